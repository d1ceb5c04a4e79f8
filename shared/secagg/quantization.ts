import { randomWords } from './random'

/**
 * Fixed-point quantization for masked sums over Z_{2^32} (Bonawitz et al. 2017, section 4: inputs are vectors in
 * Z_R^m; here R = 2^32). Each coordinate is clipped to [-clamp, clamp], scaled by `scale = L / clamp` with
 * L = 2^(bits-1) - 1, and rounded stochastically to an integer q with |q| <= L, then stored as q mod 2^32.
 *
 * Headroom: a sum of n such integers lies in [-nL, nL]; it decodes exactly from its value mod 2^32 (read as a signed
 * 32-bit integer) while nL <= 2^31 - 1, so `bits` may be at most 32 - ceil(log2 n), about. `planQuantizer` checks
 * the exact inequality for the round's client count.
 *
 * Error bound: rounding moves each coordinate by less than one step (1/scale), so for n clients the dequantized sum
 * differs from the sum of the clipped inputs by less than n / scale = n * clamp / L per coordinate, and the average
 * by less than clamp / L. Clipping itself is the caller's choice (a DP clip norm, say) and is not part of this
 * error. Stochastic rounding (round up with probability equal to the fractional part) makes each q unbiased:
 * E[q] = x * scale up to the 2^-32 resolution of the uniform draw; errors of different clients are independent,
 * so the typical error of a sum grows like sqrt(n) / (2 scale), not n / scale (Flower's SecAgg+ also rounds
 * stochastically, flwr/common/secure_aggregation/quantization.py).
 */
export interface Quantizer {
  readonly clamp: number
  readonly bits: number
  /** L = 2^(bits-1) - 1: the largest |q| one client sends. */
  readonly maxLevel: number
  /** Integers per unit: L / clamp. */
  readonly scale: number
  /** The number of vectors whose sum still decodes exactly: floor((2^31 - 1) / L). */
  readonly maxClients: number
}

export const MIN_BITS = 2
export const MAX_BITS = 31
const INT32_MAX = 2 ** 31 - 1

/** Why a quantizer cannot be built, or null when it can. */
export function quantizerProblem(clamp: number, bits: number, clients: number): string | null {
  if (!(Number.isFinite(clamp) && clamp > 0)) return `clamp must be a finite number above 0 (got ${clamp})`
  if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) {
    return `quantization bits must be an integer from ${MIN_BITS} to ${MAX_BITS} (got ${bits})`
  }
  if (!Number.isInteger(clients) || clients < 1)
    return `client count must be a positive integer (got ${clients})`
  const maxLevel = 2 ** (bits - 1) - 1
  if (clients * maxLevel > INT32_MAX) {
    const allowed = Math.floor(Math.log2(INT32_MAX / clients + 1)) + 1
    return `${bits} quantization bits leave no headroom for a sum of ${clients} clients mod 2^32: at most ${allowed} bits for ${clients} clients`
  }
  return null
}

/** A quantizer for sums of up to `clients` vectors; throws (a programmer error) on bad settings. */
export function planQuantizer(clamp: number, bits: number, clients: number): Quantizer {
  const problem = quantizerProblem(clamp, bits, clients)
  if (problem) throw new RangeError(problem)
  const maxLevel = 2 ** (bits - 1) - 1
  return { clamp, bits, maxLevel, scale: maxLevel / clamp, maxClients: Math.floor(INT32_MAX / maxLevel) }
}

/** The bound on |dequantized sum - sum of clipped inputs| per coordinate for `clients` vectors: clients / scale. */
export const sumErrorBound = (quantizer: Quantizer, clients: number): number => clients / quantizer.scale

/**
 * Clip, scale and round stochastically; the result holds q mod 2^32. `uniformWords` (tests may pass their own)
 * supplies one uniform 32-bit word per coordinate for the rounding draw. A NaN coordinate is refused (it would
 * poison the sum silently); infinities are clipped like any large value.
 */
export function quantize(
  values: ArrayLike<number>,
  quantizer: Quantizer,
  uniformWords: (count: number) => Uint32Array = randomWords,
): Uint32Array {
  const { clamp, scale, maxLevel } = quantizer
  const draws = uniformWords(values.length)
  if (draws.length < values.length) throw new RangeError('the rounding source returned too few words')
  const out = new Uint32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!
    if (Number.isNaN(value)) throw new RangeError(`coordinate ${i} is NaN`)
    const scaled = Math.min(clamp, Math.max(-clamp, value)) * scale
    const floor = Math.floor(scaled)
    // Round up with probability (scaled - floor): a uniform u in [0, 1) falls below it that often.
    let q = draws[i]! / 2 ** 32 < scaled - floor ? floor + 1 : floor
    // clamp * (L / clamp) may land a hair above L in floating point; the clamp keeps |q| <= L (and only
    // moves q towards the input, so the error bound still holds).
    if (q > maxLevel) q = maxLevel
    else if (q < -maxLevel) q = -maxLevel
    out[i] = q // a Uint32Array stores q mod 2^32
  }
  return out
}

/** The signed sum (as real numbers) from a sum mod 2^32 of at most `maxClients` quantized vectors. */
export function dequantizeSum(sum: Uint32Array, quantizer: Quantizer): Float64Array {
  const out = new Float64Array(sum.length)
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) / quantizer.scale
  return out
}

/** The average of `clients` vectors from their sum mod 2^32: within clamp / L of the average of clipped inputs. */
export function dequantizeAverage(sum: Uint32Array, clients: number, quantizer: Quantizer): Float32Array {
  if (!Number.isInteger(clients) || clients < 1 || clients > quantizer.maxClients) {
    throw new RangeError(`cannot average over ${clients} clients (1 to ${quantizer.maxClients})`)
  }
  const out = new Float32Array(sum.length)
  const divisor = quantizer.scale * clients
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) / divisor
  return out
}
