import { type RandomWords, uniformBelow, uniformBelowNumber } from './random-source'
import type { Rational } from './rational'

/**
 * Exact Bernoulli trials from uniform integers (Canonne, Kamath and Steinke 2020, "The Discrete Gaussian for
 * Differential Privacy", Sec. 5). Contract: the returned boolean is true with exactly the stated probability,
 * given uniform words; no floating-point value is ever compared.
 */

/** Below this, n / d trials and their loops run on doubles without leaving the safe integers. */
const FAST = 2 ** 40
const FAST_N = BigInt(FAST)

/** Bernoulli(n / d) for integers 0 <= n <= d, d >= 1: a uniform integer in [0, d) is below n. */
export function bernoulliRational(n: bigint, d: bigint, words: RandomWords): boolean {
  if (d <= FAST_N) return uniformBelowNumber(Number(d), words) < Number(n)
  return uniformBelow(d, words) < n
}

/** Bernoulli(exp(-n/d)) for safe n <= d <= 2^40: CKS Algorithm 1's loop, on doubles holding integers. */
function bernoulliExpFractionFast(n: number, d: number, words: RandomWords): boolean {
  // The first K with A_K = 0, A_k ~ Bernoulli(gamma / k), is odd with probability exp(-gamma).
  let k = 1
  for (;;) {
    const dk = d * k
    if (dk > Number.MAX_SAFE_INTEGER) return bernoulliExpFractionBig(BigInt(n), BigInt(d), k, words)
    if (!(uniformBelowNumber(dk, words) < n)) return k % 2 === 1
    k++
  }
}

/** The same loop on bigints, from step `k` on. */
function bernoulliExpFractionBig(n: bigint, d: bigint, from: number, words: RandomWords): boolean {
  let k = from
  for (;;) {
    if (!bernoulliRational(n, d * BigInt(k), words)) return k % 2 === 1
    k++
  }
}

/**
 * Bernoulli(exp(-gamma)) for a rational gamma = num / den >= 0 (CKS 2020, Algorithm 1): for gamma in [0, 1] the
 * parity of the first failure of Bernoulli(gamma / k), k = 1, 2, ...; above 1, floor(gamma) independent
 * Bernoulli(exp(-1)) trials must all succeed, then one Bernoulli(exp(-(gamma - floor(gamma)))).
 */
export function bernoulliExp(gamma: Rational, words: RandomWords): boolean {
  const { num, den } = gamma
  if (num < 0n || den < 1n) throw new RangeError(`bernoulliExp: gamma ${num}/${den} must be >= 0`)
  let rest = num
  while (rest > den) {
    if (!bernoulliExpFractionFast(1, 1, words)) return false
    rest -= den
  }
  if (den <= FAST_N) return bernoulliExpFractionFast(Number(rest), Number(den), words)
  return bernoulliExpFractionBig(rest, den, 1, words)
}

/** Bernoulli(exp(-1)): the geometric steps of the discrete Laplace sampler. */
export function bernoulliExpMinusOne(words: RandomWords): boolean {
  return bernoulliExpFractionFast(1, 1, words)
}

/** Whether FAST covers a denominator (so callers can keep their own loops on doubles). */
export const FAST_LIMIT = FAST
