import { commonLength } from './vector-math'

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
 * plain mean. Time O(iterations * n * d); memory one model (the running v) plus one difference.
 */
export function centeredClip(updates: readonly Float32Array[], options: CenteredClipOptions): Float32Array {
  const length = commonLength(updates, 'centered clipping')
  const { tau, iterations, center } = options
  if (!(tau > 0) || !Number.isFinite(tau))
    throw new Error(`centered clipping: tau must be positive, got ${tau}`)
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new Error(`centered clipping: iterations must be a positive integer, got ${iterations}`)
  if (center && center.length !== length)
    throw new Error(`centered clipping: the center has ${center.length} values, the updates ${length}`)
  const n = updates.length
  const v = center ? Float64Array.from(center) : new Float64Array(length)
  const pull = new Float64Array(length)
  for (let t = 0; t < iterations; t++) {
    pull.fill(0)
    for (const x of updates) {
      let norm2 = 0
      for (let j = 0; j < length; j++) {
        const d = x[j]! - v[j]!
        norm2 += d * d
      }
      const norm = Math.sqrt(norm2)
      const factor = norm > tau ? tau / norm : 1
      for (let j = 0; j < length; j++) pull[j]! += ((x[j]! - v[j]!) * factor) / n
    }
    for (let j = 0; j < length; j++) v[j]! += pull[j]!
  }
  return Float32Array.from(v)
}
