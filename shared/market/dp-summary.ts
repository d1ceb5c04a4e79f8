import { laplaceInterval } from '../privacy/confidence'
import type { DataFrame } from '../privacy/dataframe'
import {
  type Estimate,
  meanEstimate,
  privateCentredMoments,
  privateCount,
  privateHistogram,
  varianceEstimate,
} from '../privacy/statistics'
import { type RandomSource, secureRandom } from '../random'
import type { TaskSchema } from '../tasks/schema'
import type { DpColumnSummary, DpEstimate, DpSummary } from './types'

/** Confidence of every interval a summary carries. */
export const SUMMARY_CONFIDENCE = 0.95

const estimate = (e: Estimate): DpEstimate => ({ value: e.value, scale: e.scale, low: e.low, high: e.high })

/**
 * The statistics a listing shows, under differential privacy (central DP over the provider's rows, computed in
 * its tab): a noised row count, then per numeric column a noised sum and sum of squares of its values centred in
 * the declared range (`privateCentredMoments`), and per categorical column (the label too) a noised histogram.
 * Epsilon is split evenly over the 1 + (2 per numeric, 1 per categorical) releases, so the whole summary costs
 * `epsilon`. Means and variances are post-processing of those releases and the one count, so they cost nothing
 * more; every figure carries its noise scale and a 95% interval from the mechanism (`shared/privacy/confidence.ts`).
 */
export function dpSummary(
  frame: DataFrame,
  schema: TaskSchema,
  epsilon: number,
  random: RandomSource = secureRandom,
): DpSummary {
  const numeric = schema.features.filter((c) => c.type === 'numeric' || c.type === 'integer')
  const categorical = [
    ...schema.features.flatMap((c) =>
      c.type === 'categorical'
        ? [{ name: c.name, values: c.categories }]
        : c.type === 'boolean'
          ? [{ name: c.name, values: ['0', '1'] }]
          : [],
    ),
    { name: schema.label.name, values: [...schema.label.classes] },
  ]
  const releases = 1 + 2 * numeric.length + categorical.length
  const each = epsilon / releases
  const count = privateCount(frame.get(schema.label.name)?.length ?? 0, each, random)
  const columns: DpColumnSummary[] = []
  for (const c of numeric) {
    if (c.type !== 'numeric' && c.type !== 'integer') continue
    const values = (frame.get(c.name) ?? []) as number[]
    const moments = privateCentredMoments(
      values,
      { lower: c.min, upper: c.max },
      { sum: each, squares: each },
      random,
    )
    const mean = meanEstimate(moments, count, SUMMARY_CONFIDENCE)
    const variance = varianceEstimate(moments, count, SUMMARY_CONFIDENCE)
    const cap = moments.halfRange ** 2
    columns.push({
      name: c.name,
      kind: 'numeric',
      mean: mean.value,
      ...(variance.value >= 0 ? { std: Math.sqrt(Math.min(cap, variance.value)) } : {}),
      meanEstimate: estimate(mean),
      variance: estimate(variance),
    })
  }
  for (const c of categorical) {
    const values = (frame.get(c.name) ?? []).map(String)
    const { counts, scale } = privateHistogram(values, c.values, each, random)
    columns.push({
      name: c.name,
      kind: 'categorical',
      countScale: scale,
      histogram: c.values.map((value) => {
        const n = counts.get(value) ?? 0
        const i = laplaceInterval(n, scale, SUMMARY_CONFIDENCE, 1)
        return { value, count: n, low: Math.max(0, i.low), high: i.high }
      }),
    })
  }
  const rows = laplaceInterval(count.value, count.scale, SUMMARY_CONFIDENCE, count.granularity)
  return {
    epsilon,
    rows: Math.max(0, Math.round(count.value)),
    confidence: SUMMARY_CONFIDENCE,
    rowCount: { value: count.value, scale: count.scale, low: Math.max(0, rows.low), high: rows.high },
    columns,
  }
}
