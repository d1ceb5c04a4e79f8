import { arrayRows, defaultSpanLength, forEachSpan, type Rows } from './rows'

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
  const rows = arrayRows(updates, 'trimmed mean')
  return trimmedMeanOf(rows, beta, defaultSpanLength(rows.count, rows.length))
}

/** `trimmedMean` of rows read `spanLength` coordinates at a time. */
export function trimmedMeanOf(rows: Rows, beta: number, spanLength: number): Float32Array {
  if (!(beta >= 0 && beta < 0.5)) throw new Error(`trimmed mean: beta must be in [0, 0.5), got ${beta}`)
  const n = rows.count
  const k = trimCount(n, beta)
  const kept = n - 2 * k
  if (kept <= 0)
    throw new Error(`trimmed mean: cutting ${k} of ${n} values at each end (beta ${beta}) leaves nothing`)
  const column = new Float64Array(n)
  const out = new Float32Array(rows.length)
  forEachSpan(rows, spanLength, (start, end, spans) => {
    for (let j = 0; j < end - start; j++) {
      for (let i = 0; i < n; i++) column[i] = spans[i]![j]!
      column.sort()
      let sum = 0
      for (let i = k; i < n - k; i++) sum += column[i]! / kept
      out[start + j] = sum
    }
  })
  return out
}
