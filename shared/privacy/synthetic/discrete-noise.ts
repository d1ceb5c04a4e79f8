import type { RandomSource } from '../../random'
import { PrivacyParameterError, requirePositive } from '../parameters'

/**
 * Exact discrete Laplace noise (the two-sided geometric distribution), after Canonne, Kamath and Steinke 2020, "The
 * Discrete Gaussian for Differential Privacy", Algorithms 1 and 2. P(Y = y) is proportional to exp(-|y| / t). Every
 * decision is an integer comparison on uniform random words, so no floating-point rounding shapes the output
 * (Mironov 2012). Added to integer counts of L1 sensitivity Delta with t >= Delta / epsilon, it gives pure
 * epsilon-DP, like the continuous Laplace mechanism.
 */

/** The scale grid: t is rounded up to a multiple of 2^-16, so the noise is never smaller than asked. */
const SCALE_DENOMINATOR = 2 ** 16
/** Keeps every integer the samplers compare below 2^53 (a scale of at most 2^30). */
const MAX_SCALE_NUMERATOR = 2 ** 46

/** 32 uniform bits from the injected source: its top 32 bits (exact for secureRandom's 53 and seededRandom's 32). */
function word(random: RandomSource): number {
  return Math.floor(random() * 2 ** 32) >>> 0
}

/** A uniform integer in [0, m), m <= 2^53, by rejection on whole words: exactly uniform. */
export function uniformInteger(m: number, random: RandomSource): number {
  if (!Number.isSafeInteger(m) || m < 1)
    throw new RangeError(`uniformInteger: bound ${m} must be a safe integer >= 1`)
  if (m <= 2 ** 32) {
    const limit = Math.floor(2 ** 32 / m) * m
    for (;;) {
      const w = word(random)
      if (w < limit) return w % m
    }
  }
  const limit = Math.floor(2 ** 53 / m) * m
  for (;;) {
    const w = (word(random) >>> 11) * 2 ** 32 + word(random)
    if (w < limit) return w % m
  }
}

/** Bernoulli(n / d) for integers 0 <= n <= d. */
function bernoulliRational(n: number, d: number, random: RandomSource): boolean {
  return uniformInteger(d, random) < n
}

/** Bernoulli(exp(-n / d)) for integers n >= 0, d >= 1 (CKS 2020, Algorithm 1). */
export function bernoulliExp(n: number, d: number, random: RandomSource): boolean {
  let rest = n
  while (rest > d) {
    if (!bernoulliExp(1, 1, random)) return false
    rest -= d
  }
  // gamma = rest/d in [0, 1]: the first K with A_K = 0 is odd with probability exp(-gamma).
  let k = 1
  for (;;) {
    if (!Number.isSafeInteger(d * k)) throw new RangeError('bernoulliExp: denominator past 2^53')
    if (!bernoulliRational(rest, d * k, random)) break
    k++
  }
  return k % 2 === 1
}

/** The scale t as the rational num / SCALE_DENOMINATOR, rounded up. */
function scaleGrid(scale: number): number {
  requirePositive(scale, 'scale')
  const num = Math.ceil(scale * SCALE_DENOMINATOR)
  if (num > MAX_SCALE_NUMERATOR)
    throw new PrivacyParameterError(
      'scale',
      `${scale} is past the largest supported (2^30): epsilon too small`,
    )
  return num
}

/** One draw of discrete Laplace noise of scale t (CKS 2020, Algorithm 2, with t = num / 2^16). */
export function discreteLaplace(scale: number, random: RandomSource): number {
  const num = scaleGrid(scale)
  for (;;) {
    const u = uniformInteger(num, random)
    if (!bernoulliExp(u, num, random)) continue
    let v = 0
    while (bernoulliExp(1, 1, random)) v++
    // X = u + num·v is geometric with P(X = x) ∝ exp(-x / num); Y = floor(X / 2^16) has ratio exp(-1/t).
    const y = Math.floor((u + num * v) / SCALE_DENOMINATOR)
    const negative = uniformInteger(2, random) === 1
    if (negative && y === 0) continue
    return negative ? -y : y
  }
}

/** The variance of discrete Laplace noise of scale t: 2q / (1 - q)^2 with q = exp(-1/t) (on the rounded-up t). */
export function discreteLaplaceVariance(scale: number): number {
  const q = Math.exp(-SCALE_DENOMINATOR / scaleGrid(scale))
  return (2 * q) / (1 - q) ** 2
}
