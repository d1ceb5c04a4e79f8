import { arrayRows, defaultSpanLength, forEachSpan, type Rows } from './rows'

/**
 * Coordinate-wise median (Yin, Chen, Ramchandran and Bartlett 2018, "Byzantine-Robust Distributed Learning: Towards
 * Optimal Statistical Rates", Definition 1): each coordinate of the result is the median of that coordinate over the
 * updates; with an even count, the mean of the two middle values. Unweighted, as defined: a declared example count
 * buys nothing here. Holds while fewer than half the updates are Byzantine; under strongly non-IID data the median
 * can sit away from the honest mean. Time O(d n log n) for n updates of d values; scratch memory one span per update.
 */
export function coordinateMedian(updates: readonly Float32Array[]): Float32Array {
  const rows = arrayRows(updates, 'coordinate-wise median')
  return coordinateMedianOf(rows, defaultSpanLength(rows.count, rows.length))
}

/** `coordinateMedian` of rows read `spanLength` coordinates at a time. */
export function coordinateMedianOf(rows: Rows, spanLength: number): Float32Array {
  const n = rows.count
  if (n === 0) throw new Error('coordinate-wise median of no updates')
  const column = new Float64Array(n)
  const out = new Float32Array(rows.length)
  const mid = n >> 1
  forEachSpan(rows, spanLength, (start, end, spans) => {
    for (let j = 0; j < end - start; j++) {
      for (let i = 0; i < n; i++) column[i] = spans[i]![j]!
      column.sort()
      out[start + j] = n % 2 === 1 ? column[mid]! : column[mid - 1]! / 2 + column[mid]! / 2
    }
  })
  return out
}
