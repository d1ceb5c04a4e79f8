import type { RandomSource } from '../../random'
import { discreteLaplace } from '../discrete/discrete-laplace'
import { wordsFrom } from '../discrete/random-source'
import { scaleAtLeast } from '../discrete/rational'

/**
 * Marginals: counts of rows per cell of one column or of a pair of columns (cell a·size_j + b for the pair). A
 * marginal is a histogram, so one row moves one count: under the replacement of one row, the L1 sensitivity of one
 * marginal is 2 (one cell loses the row, another gains it).
 */

/** Rows per cell of column `i`, or of the pair (i, j) when `j` is given. */
export function marginal(
  codes: readonly Int32Array[],
  sizes: readonly number[],
  i: number,
  j?: number,
): Float64Array {
  const a = codes[i]!
  if (j === undefined) {
    const out = new Float64Array(sizes[i]!)
    for (const cell of a) out[cell]!++
    return out
  }
  const b = codes[j]!
  const width = sizes[j]!
  const out = new Float64Array(sizes[i]! * width)
  for (let r = 0; r < a.length; r++) out[a[r]! * width + b[r]!]!++
  return out
}

/**
 * The counts with independent discrete Laplace noise (Canonne, Kamath and Steinke 2020) of scale `scale`, rounded
 * up to a multiple of 2^-16, on every cell (a new array).
 */
export function noisyCounts(counts: Float64Array, scale: number, random: RandomSource): Float64Array {
  const t = scaleAtLeast(scale)
  const words = wordsFrom(random)
  return counts.map((c) => c + discreteLaplace(t, words))
}

/**
 * Noisy counts projected to a distribution: negatives set to 0, then normalized (uniform if nothing is left).
 * This is post-processing of the measurement, so it costs no privacy.
 */
export function toDistribution(counts: Float64Array): Float64Array {
  const clipped = counts.map((c) => Math.max(0, c))
  const total = clipped.reduce((s, c) => s + c, 0)
  return total > 0 ? clipped.map((c) => c / total) : clipped.fill(1 / clipped.length)
}

/** Total-variation distance between two distributions on the same cells: half their L1 distance, in [0, 1]. */
export function totalVariation(p: Float64Array, q: Float64Array): number {
  if (p.length !== q.length) throw new RangeError(`totalVariation: ${p.length} cells against ${q.length}`)
  let sum = 0
  for (let k = 0; k < p.length; k++) sum += Math.abs(p[k]! - q[k]!)
  return sum / 2
}

/**
 * Mean total-variation distance between the 1-way marginals (every column) and the 2-way marginals (every pair)
 * of two encoded tables over the same columns: 0 when they agree on all low-order marginals.
 */
export function marginalError(
  a: readonly Int32Array[],
  b: readonly Int32Array[],
  sizes: readonly number[],
): number {
  const distances: number[] = []
  const dist = (counts: Float64Array) => toDistribution(counts)
  for (let i = 0; i < sizes.length; i++) {
    distances.push(totalVariation(dist(marginal(a, sizes, i)), dist(marginal(b, sizes, i))))
    for (let j = i + 1; j < sizes.length; j++)
      distances.push(totalVariation(dist(marginal(a, sizes, i, j)), dist(marginal(b, sizes, i, j))))
  }
  return distances.reduce((s, d) => s + d, 0) / distances.length
}
