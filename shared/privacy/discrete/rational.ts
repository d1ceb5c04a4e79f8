import { PrivacyParameterError, requireEpsilon } from '../parameters'

/**
 * Exact non-negative rationals num / den for the discrete samplers' parameters (noise scales, variances): the
 * samplers compare integers only, so a parameter that is a rational is honoured exactly, with no float rounding.
 */
export interface Rational {
  readonly num: bigint
  readonly den: bigint
}

/** A rational num / den with num >= 0 and den >= 1 (integers, as numbers or bigints). */
export function rational(num: bigint | number, den: bigint | number = 1n): Rational {
  const n = BigInt(num)
  const d = BigInt(den)
  if (n < 0n || d < 1n)
    throw new PrivacyParameterError('rational', `need num >= 0 and den >= 1, got ${n}/${d}`)
  return { num: n, den: d }
}

/** The exact value of a finite non-negative double as a rational (every double is m / 2^k). */
export function exactRational(x: number, name = 'value'): Rational {
  if (!Number.isFinite(x) || x < 0) throw new PrivacyParameterError(name, `must be finite and >= 0, got ${x}`)
  let k = 0
  let scaled = x
  // Multiplying by 2 is exact until the value is an integer (at most 1074 steps, for subnormals).
  while (!Number.isInteger(scaled)) {
    scaled *= 2
    k++
  }
  return { num: BigInt(scaled), den: 1n << BigInt(k) }
}

/** The denominator of the grid scales are rounded up to: 2^16, so a scale is never smaller than asked. */
export const SCALE_DENOMINATOR = 1n << 16n

/**
 * The smallest scale on the 2^-16 grid that is at least `sensitivity / epsilon`, checked exactly against epsilon's
 * exact value: noise of this scale gives at least epsilon-DP to a release of integer L1 sensitivity `sensitivity`
 * (the geometric mechanism of Ghosh, Roughgarden and Sundararajan 2009; CKS 2020, Sec. 1: discrete Laplace of
 * scale t is (Delta / t)-DP for integer sensitivity Delta).
 */
export function laplaceScaleFor(sensitivity: number, epsilon: number): Rational {
  if (!Number.isSafeInteger(sensitivity) || sensitivity < 1)
    throw new PrivacyParameterError(
      'sensitivity',
      `must be a whole number of grid steps >= 1, got ${sensitivity}`,
    )
  const e = exactRational(requireEpsilon(epsilon))
  // ceil(sensitivity * 2^16 * e.den / e.num): exact integer division, rounded up.
  const top = BigInt(sensitivity) * SCALE_DENOMINATOR * e.den
  const num = (top + e.num - 1n) / e.num
  return { num, den: SCALE_DENOMINATOR }
}

/** The smallest multiple of 2^-16 at least `scale` (exact: scale * 2^16 is exact in doubles), for scales given as doubles. */
export function scaleAtLeast(scale: number, name = 'scale'): Rational {
  if (!Number.isFinite(scale) || scale <= 0)
    throw new PrivacyParameterError(name, `must be a finite number above 0, got ${scale}`)
  const num = Math.ceil(scale * 2 ** 16)
  if (!Number.isSafeInteger(num))
    throw new PrivacyParameterError(name, `${scale} is past the largest supported scale`)
  return { num: BigInt(num), den: SCALE_DENOMINATOR }
}

/** A rational as a double (for reporting: moments, intervals), not for sampling. */
export function toNumber(r: Rational): number {
  return Number(r.num) / Number(r.den)
}

/** floor(sqrt(n)) for n >= 0 (Newton's method on integers, from above). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`isqrt of ${n}`)
  if (n < 2n) return n
  let x = n
  let y = (x + 1n) / 2n
  while (y < x) {
    x = y
    y = (x + n / x) / 2n
  }
  return x
}
