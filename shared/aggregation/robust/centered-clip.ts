import { arrayRows, defaultSpanLength, forEachSpan, type Rows } from './rows'

/** Centered clipping's settings: the radius tau, the number of iterations, and the starting point. */
export interface CenteredClipOptions {
  readonly tau: number
  readonly iterations: number
  /** Where the iterations start: the previous round's aggregate step (momentum, in the paper), or null for zero. */
  readonly center: Float32Array | null
}

/**
 * Centered clipping (Karimireddy, He and Jaggi 2021, "Learning from History for Byzantine Robust Optimization",
 * section 4, equation CC): starting from v = center, each iteration sets
 *   v <- v + (1/n) * sum_i (x_i - v) * min(1, tau / ||x_i - v||)
 * so no update pulls v further than tau per iteration, however large it is. Unweighted, as defined. A fixed point is
 * a v where the clipped pulls cancel; when every update lies within tau of the result, one more iteration gives their
 * plain mean. Time O(iterations * n * d); memory one model (the running v, float64) plus one span per update.
 */
export function centeredClip(updates: readonly Float32Array[], options: CenteredClipOptions): Float32Array {
  const rows = arrayRows(updates, 'centered clipping')
  return centeredClipOf(rows, options, defaultSpanLength(rows.count, rows.length))
}

/**
 * `centeredClip` of rows read `spanLength` coordinates at a time: two passes per iteration, one for each update's
 * distance ||x_i - v|| (summed over the coordinates in order), one for the clipped pulls, which move v span by span.
 */
export function centeredClipOf(rows: Rows, options: CenteredClipOptions, spanLength: number): Float32Array {
  const { length, count: n } = rows
  const { tau, iterations, center } = options
  if (n === 0) throw new Error('centered clipping of no updates')
  if (!(tau > 0) || !Number.isFinite(tau))
    throw new Error(`centered clipping: tau must be positive, got ${tau}`)
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new Error(`centered clipping: iterations must be a positive integer, got ${iterations}`)
  if (center && center.length !== length)
    throw new Error(`centered clipping: the center has ${center.length} values, the updates ${length}`)
  const v = center ? Float64Array.from(center) : new Float64Array(length)
  const squares = new Float64Array(n)
  const factors = new Float64Array(n)
  const pull = new Float64Array(Math.min(spanLength, length))
  for (let t = 0; t < iterations; t++) {
    squares.fill(0)
    forEachSpan(rows, spanLength, (start, _end, spans) => {
      spans.forEach((x, i) => {
        let norm2 = squares[i]!
        for (let j = 0; j < x.length; j++) {
          const d = x[j]! - v[start + j]!
          norm2 += d * d
        }
        squares[i] = norm2
      })
    })
    for (let i = 0; i < n; i++) {
      const norm = Math.sqrt(squares[i]!)
      factors[i] = norm > tau ? tau / norm : 1
    }
    forEachSpan(rows, spanLength, (start, end, spans) => {
      pull.fill(0)
      spans.forEach((x, i) => {
        const factor = factors[i]!
        for (let j = 0; j < x.length; j++) pull[j]! += ((x[j]! - v[start + j]!) * factor) / n
      })
      for (let j = 0; j < end - start; j++) v[start + j]! += pull[j]!
    })
  }
  return Float32Array.from(v)
}
