import { type RandomSource, secureRandom } from '../random'
import { analyticGaussianSigma, laplaceScale } from './calibration'
import { gaussianNoise, laplaceNoise } from './noise'
import { PrivacyParameterError, requireDelta, requireEpsilon, requireNonNegative } from './parameters'

/** Column-oriented data: column name to values. A Map, so no column name can reach an object prototype. */
export type DataFrame = ReadonlyMap<string, readonly (number | string)[]>

export type ColumnPrivacy =
  | {
      readonly column: string
      readonly kind: 'numeric'
      readonly sensitivity: number
      readonly mechanism: 'laplace' | 'gaussian'
    }
  | { readonly column: string; readonly kind: 'categorical'; readonly categories: readonly string[] }

/**
 * Anonymizes every record (local DP, each row perturbed on its own): numeric columns get Laplace or analytic-Gaussian
 * noise for their sensitivity; categorical columns go through k-ary randomized response (Warner 1965; keep the
 * true value with probability e^eps / (e^eps + k - 1), else a uniformly random other category). The epsilon is split
 * evenly over the listed columns, and Gaussian columns split delta evenly; per record the costs add up to what
 * is returned as `spent`. Columns not listed are dropped from the output.
 */
export function privatizeDataFrame(
  frame: DataFrame,
  columns: readonly ColumnPrivacy[],
  budget: { epsilon: number; delta?: number },
  random: RandomSource = secureRandom,
): { frame: Map<string, (number | string)[]>; spent: { epsilon: number; delta: number } } {
  requireEpsilon(budget.epsilon)
  if (columns.length === 0) throw new PrivacyParameterError('columns', 'list at least one column to release')
  const gaussianColumns = columns.filter((c) => c.kind === 'numeric' && c.mechanism === 'gaussian').length
  if (gaussianColumns > 0) requireDelta(budget.delta ?? Number.NaN, 'delta')
  const perColumnEpsilon = budget.epsilon / columns.length
  const perColumnDelta = gaussianColumns > 0 ? budget.delta! / gaussianColumns : 0
  const out = new Map<string, (number | string)[]>()
  for (const spec of columns) {
    const values = frame.get(spec.column)
    if (!values)
      throw new PrivacyParameterError(
        'column',
        `no column "${spec.column}"; the data has ${[...frame.keys()].join(', ')}`,
      )
    if (spec.kind === 'numeric') {
      requireNonNegative(spec.sensitivity, `${spec.column}.sensitivity`)
      const noise =
        spec.mechanism === 'laplace'
          ? (() => {
              const b = laplaceScale(spec.sensitivity, perColumnEpsilon)
              return () => laplaceNoise(b, random)
            })()
          : (() => {
              const sigma = analyticGaussianSigma(spec.sensitivity, perColumnEpsilon, perColumnDelta)
              return () => gaussianNoise(sigma, random)
            })()
      out.set(
        spec.column,
        values.map((v, row) => {
          if (typeof v !== 'number' || !Number.isFinite(v)) {
            throw new PrivacyParameterError(
              spec.column,
              `row ${row + 1} holds ${JSON.stringify(v)}, not a number`,
            )
          }
          return v + noise()
        }),
      )
    } else {
      const k = spec.categories.length
      if (k < 2)
        throw new PrivacyParameterError(
          `${spec.column}.categories`,
          'randomized response needs at least two categories',
        )
      const keep = Math.exp(perColumnEpsilon) / (Math.exp(perColumnEpsilon) + k - 1)
      out.set(
        spec.column,
        values.map((v) => {
          const truth = String(v)
          if (spec.categories.includes(truth) && random() < keep) return truth
          const others = spec.categories.filter((c) => c !== truth)
          return others[Math.floor(random() * others.length)]!
        }),
      )
    }
  }
  return { frame: out, spent: { epsilon: budget.epsilon, delta: gaussianColumns > 0 ? budget.delta! : 0 } }
}
