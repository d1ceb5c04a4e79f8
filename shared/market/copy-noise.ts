import { columnGrid, columnNoise } from '../privacy/dataframe'
import { noiseHalfWidth, noiseMeanAbs, noiseParameter, noiseStd } from '../privacy/discrete/grid-noise'
import type { TaskSchema } from '../tasks/schema'
import { copyColumns } from './anonymized-copy'

/** What the per-row anonymization does to one numeric column of a copy, in the column's own units. */
export interface NumericColumnNoise {
  readonly column: string
  readonly kind: 'numeric'
  /**
   * Scale of the discrete Laplace noise, in the column's units: g * t with t = (range / g) / (epsilon / columns)
   * grid steps (rounded up to 2^-16 of a step). Every value of the column gets its own draw.
   */
  readonly scale: number
  /** The grid the copy's values lie on: 1 for integer columns, a power of two near range / 1024 otherwise. */
  readonly granularity: number
  /** Standard deviation of a value's noise (about b * sqrt(2); exactly g sqrt(2q) / (1 - q), q = e^(-1/t)). */
  readonly noiseStd: number
  /** Mean absolute noise of a value (about b; exactly g 2q / (1 - q^2)). */
  readonly meanAbsError: number
  /**
   * Half-width of a band that holds a value's error (noise, plus at most g / 2 of rounding to the grid) with
   * probability at least 95%: the exact discrete tail, P(|Z| > k) = 2 q^(k+1) / (1 + q) <= 5%.
   */
  readonly error95: number
  /** The declared range the noise is scaled to; values are clamped into it first. */
  readonly min: number
  readonly max: number
}

/** What k-ary randomized response (Warner 1965) does to one categorical column (booleans and the label too). */
export interface CategoricalColumnNoise {
  readonly column: string
  readonly kind: 'categorical'
  readonly categories: readonly string[]
  /** Probability a value is kept: e^eps / (e^eps + k - 1), eps the column's share. */
  readonly keep: number
  /** Probability a value is replaced by another category: 1 - keep. */
  readonly flipRate: number
}

export type ColumnNoise = NumericColumnNoise | CategoricalColumnNoise

export interface CopyNoise {
  /** Epsilon per row, and its even share per column (`privatizeDataFrame` splits it so). */
  readonly epsilon: number
  readonly perColumnEpsilon: number
  readonly columns: readonly ColumnNoise[]
}

/**
 * The expected error of a per-row anonymized copy (`anonymizedCopy`) before it is bought: computed from the
 * listing's schema and copy epsilon exactly as the copy is made (`copyColumns`, epsilon split evenly over the
 * columns), not from the data, so a buyer sees it on the listing at no privacy cost.
 */
export function perRowCopyNoise(schema: TaskSchema, epsilon: number): CopyNoise {
  const specs = copyColumns(schema)
  const perColumnEpsilon = epsilon / specs.length
  const columns = specs.map((spec): ColumnNoise => {
    if (spec.kind === 'numeric') {
      if (spec.mechanism !== 'laplace')
        throw new Error(`${spec.column}: per-row copies use Laplace noise only`)
      const noise = columnNoise(spec, perColumnEpsilon, 0)
      const { granularity, lower, upper } = columnGrid(spec)
      // Integer values on a grid of 1 are not moved by rounding; otherwise rounding adds at most g / 2.
      const rounding = spec.integer && granularity === 1 ? 0 : granularity / 2
      return {
        column: spec.column,
        kind: 'numeric',
        scale: granularity * noiseParameter(noise),
        granularity,
        noiseStd: noiseStd(noise),
        meanAbsError: noiseMeanAbs(noise),
        error95: noiseHalfWidth(noise, 0.05) + rounding,
        min: lower,
        max: upper,
      }
    }
    const k = spec.categories.length
    const keep = Math.exp(perColumnEpsilon) / (Math.exp(perColumnEpsilon) + k - 1)
    return { column: spec.column, kind: 'categorical', categories: spec.categories, keep, flipRate: 1 - keep }
  })
  return { epsilon, perColumnEpsilon, columns }
}

/**
 * Shares of each category expected in the copy, given the shares in the data: randomized response keeps a value
 * with probability p and moves it to each of the k - 1 others with (1 - p) / (k - 1), so
 * share'_j = share_j p + (1 - share_j) (1 - p) / (k - 1). At small epsilon every share tends to 1 / k.
 */
export function expectedCopyShares(shares: readonly number[], keep: number): number[] {
  const k = shares.length
  return shares.map((s) => s * keep + ((1 - s) * (1 - keep)) / (k - 1))
}

/**
 * Shares in the data estimated back from shares seen in a copy (inverting `expectedCopyShares`; unbiased, Warner
 * 1965): share_j = (share'_j (k - 1) - (1 - p)) / (k p - 1). Undefined at k p = 1 (epsilon 0), where the copy holds
 * no information; may fall outside [0, 1] from sampling noise.
 */
export function debiasedShares(copyShares: readonly number[], keep: number): number[] {
  const k = copyShares.length
  return copyShares.map((s) => (s * (k - 1) - (1 - keep)) / (k * keep - 1))
}

/** Standard deviation of a column mean computed from `rows` noised values: noiseStd / sqrt(rows). */
export function copyMeanNoiseStd(column: NumericColumnNoise, rows: number): number {
  return column.noiseStd / Math.sqrt(Math.max(1, rows))
}
