/**
 * Float64 vector maths shared by the robust rules. Updates arrive as Float32Array but every norm, distance and dot
 * product is taken in float64: an update of 3.3e38 per coordinate squares to about 1e77, which float64 holds and
 * float32 does not.
 */

/** The L2 norm of `values`, in float64. */
export function l2Norm(values: Float32Array): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!
  return Math.sqrt(sum)
}

/** The inner product of two vectors of the same length, in float64. */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`dot of vectors of ${a.length} and ${b.length} values`)
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!
  return sum
}

/** `values * factor`, as a new array. */
export function scaled(values: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor
  return out
}

/** The median of a non-empty list: the middle value, or the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = Float64Array.from(values).sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : sorted[mid - 1]! / 2 + sorted[mid]! / 2
}
