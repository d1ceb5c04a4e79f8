import { bernoulliExp, bernoulliExpMinusOne, FAST_LIMIT } from './bernoulli-exp'
import { type RandomWords, uniformBelow, uniformBelowNumber } from './random-source'
import { type Rational, toNumber } from './rational'

/**
 * The discrete Laplace distribution Lap_Z(t) on the integers, P(Y = y) = (1 - q) / (1 + q) * q^|y| with
 * q = exp(-1/t), sampled exactly (Canonne, Kamath and Steinke 2020, Algorithm 2). Added to an integer-valued
 * query of L1 sensitivity Delta it gives (Delta / t)-DP, as the continuous Laplace mechanism does, and its outputs
 * are integers: every output is reachable from every input, so no least significant bit tells inputs apart
 * (the floating-point attack of Mironov 2012 has nothing to read).
 */

/**
 * One draw of Lap_Z(t) for t = scale.num / scale.den > 0 (CKS 2020, Algorithm 2 with t = num, s = den):
 * U uniform in [0, num), kept with probability exp(-U / num); V ~ Geometric(1 - e^-1); X = U + num V is then
 * geometric with ratio exp(-1/num), Y = floor(X / den) geometric with ratio exp(-den/num); a random sign, with
 * (negative, 0) rejected so 0 is not counted twice. Returns a safe integer (scales up to about 2^40 in practice).
 */
export function discreteLaplace(scale: Rational, words: RandomWords): number {
  const { num, den } = scale
  if (num < 1n || den < 1n) throw new RangeError(`discreteLaplace: scale ${num}/${den} must be positive`)
  if (num <= BigInt(FAST_LIMIT) && den <= BigInt(FAST_LIMIT)) return fast(Number(num), Number(den), words)
  for (;;) {
    const u = uniformBelow(num, words)
    if (!bernoulliExp({ num: u, den: num }, words)) continue
    let v = 0n
    while (bernoulliExpMinusOne(words)) v++
    const y = (u + num * v) / den
    const negative = uniformBelowNumber(2, words) === 1
    if (negative && y === 0n) continue
    return Number(negative ? -y : y)
  }
}

/** Algorithm 2 on doubles holding integers: num, den <= 2^40, so U + num V stays exact while V < 2^12. */
function fast(num: number, den: number, words: RandomWords): number {
  const numN = BigInt(num)
  for (;;) {
    const u = uniformBelowNumber(num, words)
    if (!bernoulliExp({ num: BigInt(u), den: numN }, words)) continue
    let v = 0
    while (bernoulliExpMinusOne(words)) v++
    const x = u + num * v
    const y = Number.isSafeInteger(x)
      ? Math.floor(x / den)
      : Number((BigInt(u) + numN * BigInt(v)) / BigInt(den))
    const negative = uniformBelowNumber(2, words) === 1
    if (negative && y === 0) continue
    return negative ? -y : y
  }
}

/** q = exp(-1/t), the ratio of neighbouring probabilities. */
export function discreteLaplaceRatio(scale: Rational): number {
  return Math.exp(-1 / toNumber(scale))
}

/** P(Y = y) under Lap_Z(t). */
export function discreteLaplacePmf(y: number, scale: Rational): number {
  const q = discreteLaplaceRatio(scale)
  return ((1 - q) / (1 + q)) * q ** Math.abs(y)
}

/** Var(Y) = 2q / (1 - q)^2 (the mean is 0). */
export function discreteLaplaceVariance(scale: Rational): number {
  const q = discreteLaplaceRatio(scale)
  return (2 * q) / (1 - q) ** 2
}

/** E|Y| = 2q / (1 - q^2). */
export function discreteLaplaceMeanAbs(scale: Rational): number {
  const q = discreteLaplaceRatio(scale)
  return (2 * q) / (1 - q * q)
}

/** P(|Y| >= k) for k >= 1: 2 q^k / (1 + q). */
export function discreteLaplaceTail(k: number, scale: Rational): number {
  if (k <= 0) return 1
  const q = discreteLaplaceRatio(scale)
  return (2 * q ** k) / (1 + q)
}

/**
 * The smallest integer k with P(|Y| > k) <= alpha: the exact half-width, in grid steps, of an interval that holds
 * the noise with probability at least 1 - alpha.
 */
export function discreteLaplaceHalfWidth(scale: Rational, alpha: number): number {
  const q = discreteLaplaceRatio(scale)
  // P(|Y| > k) = 2 q^(k+1) / (1 + q) <= alpha  <=>  k >= ln(alpha (1 + q) / 2) / ln q - 1.
  const k = Math.max(0, Math.ceil(Math.log((alpha * (1 + q)) / 2) / Math.log(q) - 1 - 1e-9))
  return discreteLaplaceTail(k + 1, scale) <= alpha ? k : k + 1
}
