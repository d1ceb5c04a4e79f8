import { bernoulliExp } from './bernoulli-exp'
import { discreteLaplace } from './discrete-laplace'
import type { RandomWords } from './random-source'
import { isqrt, type Rational, toNumber } from './rational'

/**
 * The discrete Gaussian N_Z(0, sigma^2) on the integers, P(Y = y) proportional to exp(-y^2 / (2 sigma^2)), sampled
 * exactly (Canonne, Kamath and Steinke 2020, Algorithm 3). Added to an integer-valued query of sensitivity Delta
 * it is (Delta^2 / (2 sigma^2))-concentrated DP, the same bound as the continuous Gaussian (CKS 2020, Theorem 4:
 * D_alpha(N_Z(mu, s^2) || N_Z(nu, s^2)) <= alpha (mu - nu)^2 / (2 s^2) for integers mu, nu), so Renyi-DP
 * accounting and its conversions to (epsilon, delta) apply unchanged. Its variance is below sigma^2.
 */

/**
 * One draw of N_Z(0, sigma^2) for sigma^2 = variance.num / variance.den > 0 (CKS 2020, Algorithm 3):
 * t = floor(sigma) + 1; draw Y ~ Lap_Z(t) and keep it with probability exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)).
 * The acceptance exponent is the exact rational (|Y| t den - num)^2 / (2 num den t^2).
 */
export function discreteGaussian(variance: Rational, words: RandomWords): number {
  const { num, den } = variance
  if (num < 1n || den < 1n) throw new RangeError(`discreteGaussian: variance ${num}/${den} must be positive`)
  const t = isqrt(num / den) + 1n
  const gammaDen = 2n * num * den * t * t
  for (;;) {
    const y = discreteLaplace({ num: t, den: 1n }, words)
    const offset = BigInt(Math.abs(y)) * t * den - num
    if (bernoulliExp({ num: offset * offset, den: gammaDen }, words)) return y
  }
}

/**
 * The pmf of N_Z(0, sigma^2) over [-width, width] where width covers all but a mass below 1e-290 (37 sigma + 2),
 * normalised by the sum over that range (in doubles: for tests and reporting).
 */
export function discreteGaussianPmf(variance: Rational): { width: number; pmf: Float64Array } {
  const s2 = toNumber(variance)
  const width = Math.ceil(37 * Math.sqrt(s2)) + 2
  const pmf = new Float64Array(2 * width + 1)
  let total = 0
  for (let y = -width; y <= width; y++) {
    const p = Math.exp(-(y * y) / (2 * s2))
    pmf[y + width] = p
    total += p
  }
  for (let i = 0; i < pmf.length; i++) pmf[i]! /= total
  return { width, pmf }
}

/** Var(Y) from the pmf (below sigma^2, as CKS 2020 show in Sec. 2). */
export function discreteGaussianVariance(variance: Rational): number {
  const { width, pmf } = discreteGaussianPmf(variance)
  let v = 0
  for (let y = -width; y <= width; y++) v += y * y * pmf[y + width]!
  return v
}

/** The smallest integer k with P(|Y| > k) <= alpha, from the pmf: the exact half-width in grid steps. */
export function discreteGaussianHalfWidth(variance: Rational, alpha: number): number {
  const { width, pmf } = discreteGaussianPmf(variance)
  let outside = 1 - pmf[width]!
  let k = 0
  while (outside > alpha && k < width) {
    k++
    outside -= pmf[width + k]! + pmf[width - k]!
  }
  return k
}
