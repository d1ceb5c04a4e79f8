import { laplaceScale } from '../privacy/calibration'
import type { TaskSchema } from '../tasks/schema'
import { copyColumns } from './anonymized-copy'

/** What the per-row anonymization does to one numeric column of a copy, in the column's own units. */
export interface NumericColumnNoise {
  readonly column: string
  readonly kind: 'numeric'
  /** Laplace scale b = range / (epsilon / columns): every value of the column gets its own Laplace(b) draw. */
  readonly scale: number
  /** Standard deviation of a value's noise, b * sqrt(2). */
  readonly noiseStd: number
  /** Mean absolute error of a value, E|L| = b. */
  readonly meanAbsError: number
  /** Half-width of the band 95% of values fall in around their truth, b ln 20 (P(|L| > t) = e^(-t/b)). */
  readonly error95: number
  /** The declared range the noise is scaled to. */
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
  const ranges = new Map(
    schema.features.flatMap((f) =>
      f.type === 'numeric' || f.type === 'integer' ? [[f.name, { min: f.min, max: f.max }] as const] : [],
    ),
  )
  const columns = specs.map((spec): ColumnNoise => {
    if (spec.kind === 'numeric') {
      if (spec.mechanism !== 'laplace')
        throw new Error(`${spec.column}: per-row copies use Laplace noise only`)
      const b = laplaceScale(spec.sensitivity, perColumnEpsilon)
      const range = ranges.get(spec.column)!
      return {
        column: spec.column,
        kind: 'numeric',
        scale: b,
        noiseStd: b * Math.SQRT2,
        meanAbsError: b,
        error95: b * Math.log(20),
        min: range.min,
        max: range.max,
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
