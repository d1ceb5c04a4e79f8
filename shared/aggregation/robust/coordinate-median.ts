import { commonLength } from './vector-math'

/**
 * Coordinate-wise median (Yin, Chen, Ramchandran and Bartlett 2018, "Byzantine-Robust Distributed Learning: Towards
 * Optimal Statistical Rates", Definition 1): each coordinate of the result is the median of that coordinate over the
 * updates; with an even count, the mean of the two middle values. Unweighted, as defined: a declared example count
 * buys nothing here. Holds while fewer than half the updates are Byzantine; under strongly non-IID data the median
 * can sit away from the honest mean. Time O(d n log n) for n updates of d values; scratch memory one column.
 */
export function coordinateMedian(updates: readonly Float32Array[]): Float32Array {
  const length = commonLength(updates, 'coordinate-wise median')
  const n = updates.length
  const column = new Float64Array(n)
  const out = new Float32Array(length)
  const mid = n >> 1
  for (let j = 0; j < length; j++) {
    for (let i = 0; i < n; i++) column[i] = updates[i]![j]!
    column.sort()
    out[j] = n % 2 === 1 ? column[mid]! : column[mid - 1]! / 2 + column[mid]! / 2
  }
  return out
}
