import type { DataFrame } from '../privacy/dataframe'
import { privateCount, privateHistogram, privateMean, privateStd } from '../privacy/statistics'
import type { TaskSchema } from '../tasks/schema'
import type { DpSummary } from './types'

/**
 * The statistics a listing shows, under differential privacy (central DP over the provider's rows, computed in
 * its tab): a noised row count, then per numeric column a noised mean and standard deviation clamped to the
 * declared range, and per categorical column (the label too) a noised histogram. Epsilon is split evenly over the
 * 1 + (2 per numeric, 1 per categorical) releases, so the whole summary costs `epsilon`.
 */
export function dpSummary(frame: DataFrame, schema: TaskSchema, epsilon: number): DpSummary {
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
  const rows = frame.get(schema.label.name)?.length ?? 0
  const columns: DpSummary['columns'][number][] = []
  for (const c of numeric) {
    if (c.type !== 'numeric' && c.type !== 'integer') continue
    const values = (frame.get(c.name) ?? []) as number[]
    const bounds = { lower: c.min, upper: c.max }
    columns.push({
      name: c.name,
      kind: 'numeric',
      mean: privateMean(values, bounds, each).value,
      std: privateStd(values, bounds, each).value,
    })
  }
  for (const c of categorical) {
    const values = (frame.get(c.name) ?? []).map(String)
    const { counts } = privateHistogram(values, c.values, each)
    columns.push({
      name: c.name,
      kind: 'categorical',
      histogram: c.values.map((value) => ({ value, count: counts.get(value) ?? 0 })),
    })
  }
  return { epsilon, rows: Math.max(0, Math.round(privateCount(rows, each).value)), columns }
}
