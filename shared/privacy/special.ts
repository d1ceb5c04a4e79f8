/**
 * Special functions for privacy accounting, accurate in the tails where the accountant needs them: log of the
 * complementary error function for arguments up to hundreds (where erfc itself underflows), and log-space sums.
 */

const SQRT_PI = Math.sqrt(Math.PI)

/** erf(x) by its Taylor series; accurate (relative error near 1e-15) for |x| < 2. */
function erfSeries(x: number): number {
  let term = x
  let sum = x
  const x2 = x * x
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n
    const next = term / (2 * n + 1)
    sum += next
    if (Math.abs(next) < 1e-17 * Math.abs(sum)) break
  }
  return (2 / SQRT_PI) * sum
}

/**
 * log of the continued-fraction part f of erfc(x) = exp(-x^2) / sqrt(pi) * f(x), for x >= 2, by the modified
 * Lentz algorithm on f(x) = 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...))))).
 */
function logErfcFraction(x: number): number {
  const tiny = 1e-300
  let f = x
  let c = x
  let d = 0
  for (let n = 1; n < 5000; n++) {
    const a = n / 2
    d = x + a * d
    d = Math.abs(d) < tiny ? tiny : d
    c = x + a / c
    c = Math.abs(c) < tiny ? tiny : c
    d = 1 / d
    const delta = c * d
    f *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return -Math.log(f)
}

/** log(erfc(x)) for any real x, without underflow for large x. */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)))
  if (x < 2) return Math.log(1 - erfSeries(x))
  return -x * x - Math.log(SQRT_PI) + logErfcFraction(x)
}

export function erfc(x: number): number {
  return Math.exp(logErfc(x))
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2)
}

/** log(exp(a) + exp(b)), exact for -Infinity. */
export function logAdd(a: number, b: number): number {
  const hi = Math.max(a, b)
  const lo = Math.min(a, b)
  if (hi === Number.NEGATIVE_INFINITY) return hi
  return hi + Math.log1p(Math.exp(lo - hi))
}

/** log(exp(a) - exp(b)) for a >= b. */
export function logSub(a: number, b: number): number {
  if (b > a) throw new Error(`logSub: the result would be negative (${a} < ${b})`)
  if (b === Number.NEGATIVE_INFINITY) return a
  if (a === b) return Number.NEGATIVE_INFINITY
  return a + Math.log(-Math.expm1(b - a))
}

/** log of the binomial coefficient C(n, k) for integers 0 <= k <= n. */
export function logBinomial(n: number, k: number): number {
  let sum = 0
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i)
  return sum
}
