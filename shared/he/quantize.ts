import { HeError } from './errors'

/**
 * Fixed-point encoding for exact BFV sums. Each client sends round(weight * clamp(v, -c, c) * 2^f); the sum of at
 * most `clients` such vectors must stay inside (-t/2, t/2), so f is the largest that leaves that headroom:
 * clients * maxWeight * c * 2^f < t/2. The average is sum / 2^f / totalWeight; its error is at most
 * clients / 2^(f+1) / totalWeight per coordinate (one rounding per client).
 */
export interface QuantizationPlan {
  readonly fractionBits: number
  readonly clamp: number
  /** Largest weight a client may put on its update (its example count, or 1 under DP). */
  readonly maxWeight: number
  readonly clients: number
}

/** Fewer fraction bits than this would lose more precision than training tolerates. */
export const MIN_FRACTION_BITS = 8
/** More buys nothing over float32's 24-bit mantissa. */
export const MAX_FRACTION_BITS = 24

export function planQuantization(options: {
  readonly plainModulusHalf: number
  readonly clients: number
  readonly maxWeight: number
  readonly clamp: number
}): QuantizationPlan {
  const { plainModulusHalf, clients, maxWeight, clamp } = options
  if (!(clients >= 1 && maxWeight >= 1 && clamp > 0)) {
    throw new HeError(
      'invalid-parameters',
      `quantization needs clients, weight >= 1 and clamp > 0 (got ${clients}, ${maxWeight}, ${clamp})`,
    )
  }
  const headroom = Math.floor(Math.log2((plainModulusHalf - 1) / (clients * maxWeight * clamp)))
  const fractionBits = Math.min(MAX_FRACTION_BITS, headroom)
  if (fractionBits < MIN_FRACTION_BITS) {
    throw new HeError(
      'out-of-range',
      `the plain modulus leaves ${headroom} fraction bits for ${clients} clients of weight up to ${maxWeight} and clamp ${clamp}; at least ${MIN_FRACTION_BITS} are needed (fewer clients per round, a larger plain modulus, or a smaller clamp)`,
    )
  }
  return { fractionBits, clamp, maxWeight, clients }
}

/** One client's contribution: integers, and how many coordinates the clamp changed. */
export function quantizeUpdate(
  values: ArrayLike<number>,
  weight: number,
  plan: QuantizationPlan,
): { integers: Float64Array; clamped: number } {
  if (!(weight >= 0 && weight <= plan.maxWeight)) {
    throw new HeError(
      'out-of-range',
      `weight ${weight} is outside [0, ${plan.maxWeight}] planned for this round`,
    )
  }
  const factor = weight * 2 ** plan.fractionBits
  const integers = new Float64Array(values.length)
  let clamped = 0
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!
    if (!Number.isFinite(v)) throw new HeError('out-of-range', `value ${v} at index ${i} is not finite`)
    if (v > plan.clamp || v < -plan.clamp) {
      v = v > 0 ? plan.clamp : -plan.clamp
      clamped++
    }
    integers[i] = Math.round(v * factor)
  }
  return { integers, clamped }
}

/** The weighted average from the decrypted integer sum. */
export function dequantizeAverage(
  sum: ArrayLike<number>,
  totalWeight: number,
  plan: { fractionBits: number },
): Float32Array {
  if (!(totalWeight > 0)) throw new HeError('out-of-range', `total weight ${totalWeight} must be positive`)
  const divisor = 2 ** plan.fractionBits * totalWeight
  const out = new Float32Array(sum.length)
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! / divisor
  return out
}
