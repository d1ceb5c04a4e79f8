import { commonLength } from './vector-math'

/** How many values `trimmedMean` cuts at each end of a coordinate: floor(beta * n). */
export function trimCount(n: number, beta: number): number {
  return Math.floor(beta * n + 1e-9)
}

/**
 * Coordinate-wise trimmed mean (Yin, Chen, Ramchandran and Bartlett 2018, "Byzantine-Robust Distributed Learning:
 * Towards Optimal Statistical Rates", Definition 2): for each coordinate, the floor(beta * n) largest and smallest
 * values are removed and the rest averaged. Tied values are cut by position in the sorted column, so a tie at the
 * cut keeps exactly n - 2k values whatever their order. Unweighted, as defined. Tolerates up to floor(beta * n)
 * Byzantine updates; beta = 0 is the plain mean. Throws when beta is outside [0, 0.5) or the cut would leave
 * nothing (n - 2k <= 0).
 */
export function trimmedMean(updates: readonly Float32Array[], beta: number): Float32Array {
  const length = commonLength(updates, 'trimmed mean')
  if (!(beta >= 0 && beta < 0.5)) throw new Error(`trimmed mean: beta must be in [0, 0.5), got ${beta}`)
  const n = updates.length
  const k = trimCount(n, beta)
  const kept = n - 2 * k
  if (kept <= 0)
    throw new Error(`trimmed mean: cutting ${k} of ${n} values at each end (beta ${beta}) leaves nothing`)
  const column = new Float64Array(n)
  const out = new Float32Array(length)
  for (let j = 0; j < length; j++) {
    for (let i = 0; i < n; i++) column[i] = updates[i]![j]!
    column.sort()
    let sum = 0
    for (let i = k; i < n - k; i++) sum += column[i]! / kept
    out[j] = sum
  }
  return out
}
