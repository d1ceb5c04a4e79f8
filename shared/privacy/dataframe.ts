import { type RandomSource, secureRandom } from '../random'
import { defaultGranularity, gridIndex, gridRange, requireGranularity } from './discrete/grid'
import { type GridNoise, gaussianGridNoise, laplaceGridNoise, releaseIndex } from './discrete/grid-noise'
import { wordsFrom } from './discrete/random-source'
import { PrivacyParameterError, requireDelta, requireEpsilon } from './parameters'

/** Column-oriented data: column name to values. A Map, so no column name can reach an object prototype. */
export type DataFrame = ReadonlyMap<string, readonly (number | string)[]>

export type ColumnPrivacy =
  | {
      readonly column: string
      readonly kind: 'numeric'
      /** Declared bounds: every value is clamped into [lower, upper] before it is noised. Required. */
      readonly lower: number
      readonly upper: number
      readonly mechanism: 'laplace' | 'gaussian'
      /** Grid the output lies on (a power of two); `defaultGranularity` of the bounds when absent. */
      readonly granularity?: number
      /** Whole-number column: granularity 1 when the range allows it (`defaultGranularity`). */
      readonly integer?: boolean
      /** Clamp the noised value back into the bounds (post-processing: costs nothing, but biases the mean). */
      readonly clampOutput?: boolean
    }
  | { readonly column: string; readonly kind: 'categorical'; readonly categories: readonly string[] }

type NumericColumn = Extract<ColumnPrivacy, { kind: 'numeric' }>

/** The bounds and grid of a numeric column, checked: a missing or reversed bound is an error naming the column. */
export function columnGrid(spec: NumericColumn): {
  lower: number
  upper: number
  granularity: number
  steps: number
} {
  const { lower, upper } = spec
  if (
    typeof lower !== 'number' ||
    typeof upper !== 'number' ||
    !Number.isFinite(lower) ||
    !Number.isFinite(upper)
  )
    throw new PrivacyParameterError(
      `${spec.column}.bounds`,
      `column "${spec.column}" needs finite bounds [lower, upper] to be anonymized (got [${lower}, ${upper}]); values are clamped to them`,
    )
  if (!(lower < upper))
    throw new PrivacyParameterError(`${spec.column}.bounds`, `need lower < upper, got [${lower}, ${upper}]`)
  const granularity = requireGranularity(
    spec.granularity ?? defaultGranularity(lower, upper, spec.integer),
    `${spec.column}.granularity`,
  )
  return { lower, upper, granularity, steps: gridRange(lower, upper, granularity) }
}

/** The integer noise one value of a numeric column gets, for its share of epsilon (and delta, for Gaussian). */
export function columnNoise(spec: NumericColumn, epsilon: number, delta: number): GridNoise {
  const { granularity, steps } = columnGrid(spec)
  return spec.mechanism === 'laplace'
    ? laplaceGridNoise(steps, epsilon, granularity)
    : gaussianGridNoise(steps, epsilon, delta, granularity)
}

/**
 * Anonymizes every record (local DP, each row perturbed on its own). Numeric columns: each value is clamped to
 * its column's declared bounds, rounded to the column's grid (granularity g) and released as g * (index + Z),
 * Z discrete Laplace or discrete Gaussian noise (Canonne, Kamath and Steinke 2020) for the column's range in grid
 * steps (grid.ts): outputs are multiples of g and every one is reachable from every input, so no output rules a
 * value out (Mironov 2012). Categorical columns go through k-ary randomized response (Warner 1965; keep the
 * true value with probability e^eps / (e^eps + k - 1), else a uniformly random other category). The epsilon is
 * split evenly over the listed columns, and Gaussian columns split delta evenly; per record the costs add up to
 * what is returned as `spent`. Columns not listed are dropped from the output.
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
  const words = wordsFrom(random)
  // Every column's parameters are checked before any value is noised.
  const noises = new Map(
    columns.flatMap((spec) =>
      spec.kind === 'numeric'
        ? [[spec.column, columnNoise(spec, perColumnEpsilon, perColumnDelta)] as const]
        : [],
    ),
  )
  const out = new Map<string, (number | string)[]>()
  for (const spec of columns) {
    const values = frame.get(spec.column)
    if (!values)
      throw new PrivacyParameterError(
        'column',
        `no column "${spec.column}"; the data has ${[...frame.keys()].join(', ')}`,
      )
    if (spec.kind === 'numeric') {
      const noise = noises.get(spec.column)!
      const { lower, upper, granularity } = columnGrid(spec)
      out.set(
        spec.column,
        values.map((v, row) => {
          if (typeof v !== 'number' || !Number.isFinite(v)) {
            throw new PrivacyParameterError(
              spec.column,
              `row ${row + 1} holds ${JSON.stringify(v)}, not a number`,
            )
          }
          const released = releaseIndex(gridIndex(v, lower, upper, granularity), noise, words)
          return spec.clampOutput ? Math.min(upper, Math.max(lower, released)) : released
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
