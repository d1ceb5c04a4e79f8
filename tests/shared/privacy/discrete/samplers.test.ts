import { describe, expect, it } from 'vitest'
import { bernoulliExp } from '../../../../shared/privacy/discrete/bernoulli-exp'
import {
  discreteGaussian,
  discreteGaussianHalfWidth,
  discreteGaussianPmf,
  discreteGaussianVariance,
} from '../../../../shared/privacy/discrete/discrete-gaussian'
import {
  discreteLaplace,
  discreteLaplaceHalfWidth,
  discreteLaplaceMeanAbs,
  discreteLaplacePmf,
  discreteLaplaceTail,
  discreteLaplaceVariance,
} from '../../../../shared/privacy/discrete/discrete-laplace'
import {
  cryptoWords,
  secureWords,
  uniformBelow,
  wordsFrom,
} from '../../../../shared/privacy/discrete/random-source'
import { laplaceScaleFor, type Rational, rational } from '../../../../shared/privacy/discrete/rational'
import { secureRandom, seededRandom } from '../../../../shared/random'
import { chiSquare, tally } from '../../../helpers/chi-square'

const moments = (counts: ReadonlyMap<number, number>, n: number) => {
  let sum = 0
  let squares = 0
  for (const [y, c] of counts) {
    sum += y * c
    squares += y * y * c
  }
  const mean = sum / n
  return { mean, variance: squares / n - mean * mean }
}

const gaussianPmf = (variance: Rational) => {
  const { width, pmf } = discreteGaussianPmf(variance)
  return (y: number) => (Math.abs(y) <= width ? pmf[y + width]! : 0)
}

describe('random words', () => {
  it('come from crypto.getRandomValues by default, in batches, and from an injected source in tests', () => {
    expect(wordsFrom(secureRandom)).toBe(secureWords)
    const words = cryptoWords(4)
    const xs = Array.from({ length: 10 }, words)
    expect(new Set(xs).size).toBe(10)
    expect(xs.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)).toBe(true)
    const a = wordsFrom(seededRandom(5))
    const b = wordsFrom(seededRandom(5))
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b))
  })

  it('uniformBelow is uniform, also past 2^53 (bigints)', () => {
    const words = wordsFrom(seededRandom(1))
    const small = tally(60_000, () => Number(uniformBelow(6n, words)))
    expect(chiSquare(small, 60_000, (y) => (y >= 0 && y < 6 ? 1 / 6 : 0)).p).toBeGreaterThan(0.001)
    const m = (1n << 70n) + 12345n
    const big = Array.from({ length: 4000 }, () => uniformBelow(m, words))
    expect(big.every((x) => x >= 0n && x < m)).toBe(true)
    const share = big.filter((x) => x < m / 2n).length / big.length
    expect(Math.abs(share - 0.5)).toBeLessThan(0.03)
  })
})

describe('Bernoulli(exp(-gamma)) (CKS 2020, Algorithm 1)', () => {
  it.each([
    [rational(0), 1],
    [rational(3, 10), Math.exp(-0.3)],
    [rational(5, 2), Math.exp(-2.5)],
    [{ num: (1n << 80n) * 7n, den: (1n << 80n) * 10n }, Math.exp(-0.7)],
  ])('gamma %o is true with probability exp(-gamma)', (gamma, p) => {
    const words = wordsFrom(seededRandom(2))
    const n = 100_000
    let hits = 0
    for (let i = 0; i < n; i++) if (bernoulliExp(gamma, words)) hits++
    expect(Math.abs(hits / n - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / n) + 1e-12)
  })
})

describe('discrete Laplace (CKS 2020, Algorithm 2)', () => {
  it.each([
    ['3', rational(3)],
    ['100 / 1 on the 2^-16 grid', laplaceScaleFor(100, 1)],
    ['1 / 0.3 (an epsilon that is no dyadic rational)', laplaceScaleFor(1, 0.3)],
  ])(
    'scale %s: 1e6 draws from crypto.getRandomValues fit the exact pmf (chi-square), with its variance and tails',
    (_, scale) => {
      const n = 1_000_000
      const counts = tally(n, () => discreteLaplace(scale, secureWords))
      const fit = chiSquare(counts, n, (y) => discreteLaplacePmf(y, scale))
      // With fresh crypto randomness a true sampler fails this once in a million runs.
      expect(fit.p, `chi-square ${fit.statistic.toFixed(1)} on ${fit.df} df`).toBeGreaterThan(1e-6)
      const { mean, variance } = moments(counts, n)
      const expected = discreteLaplaceVariance(scale)
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / n))
      expect(Math.abs(variance / expected - 1)).toBeLessThan(0.02)
      let meanAbs = 0
      for (const [y, c] of counts) meanAbs += Math.abs(y) * c
      expect(Math.abs(meanAbs / n / discreteLaplaceMeanAbs(scale) - 1)).toBeLessThan(0.01)
      // Tails: P(|Y| >= k) = 2 q^k / (1 + q) at about two and four standard deviations.
      for (const k of [2, 4].map((s) => Math.max(1, Math.round(s * Math.sqrt(expected))))) {
        let beyond = 0
        for (const [y, c] of counts) if (Math.abs(y) >= k) beyond += c
        const p = discreteLaplaceTail(k, scale)
        expect(Math.abs(beyond / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n))
      }
    },
  )

  it('is reproducible from a seeded source, and the half-width is exact', () => {
    const scale = rational(7, 2)
    const a = wordsFrom(seededRandom(11))
    const b = wordsFrom(seededRandom(11))
    const xs = Array.from({ length: 200 }, () => discreteLaplace(scale, a))
    expect(Array.from({ length: 200 }, () => discreteLaplace(scale, b))).toEqual(xs)
    const k = discreteLaplaceHalfWidth(scale, 0.05)
    expect(discreteLaplaceTail(k + 1, scale)).toBeLessThanOrEqual(0.05)
    expect(discreteLaplaceTail(k, scale)).toBeGreaterThan(0.05)
  })

  it('rounds the scale up to the 2^-16 grid, exactly', () => {
    const s = laplaceScaleFor(3, 0.1)
    expect(s.den).toBe(65536n)
    // 3 / 0.1 is 30 on paper; 0.1 as a double is a hair above 1/10, so the exact ceiling is 30 * 2^16.
    expect(s.num).toBe(30n * 65536n)
    expect(() => laplaceScaleFor(0, 1)).toThrow('sensitivity: must be a whole number of grid steps')
    expect(() => laplaceScaleFor(1, 0)).toThrow('epsilon: must be positive')
  })
})

describe('discrete Gaussian (CKS 2020, Algorithm 3)', () => {
  it.each([
    ['1/2', rational(1, 2)],
    ['1000.3 on the 2^-16 grid', rational(Math.ceil(1000.3 * 65536), 65536)],
  ])(
    'sigma^2 = %s: 1e6 draws from crypto.getRandomValues fit the exact pmf (chi-square), with its variance and tails',
    (_, variance) => {
      const n = 1_000_000
      const counts = tally(n, () => discreteGaussian(variance, secureWords))
      const pmf = gaussianPmf(variance)
      const fit = chiSquare(counts, n, pmf)
      expect(fit.p, `chi-square ${fit.statistic.toFixed(1)} on ${fit.df} df`).toBeGreaterThan(1e-6)
      const m = moments(counts, n)
      const expected = discreteGaussianVariance(variance)
      expect(expected).toBeLessThanOrEqual(Number(variance.num) / Number(variance.den))
      expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(expected / n))
      expect(Math.abs(m.variance / expected - 1)).toBeLessThan(0.01)
      const k = discreteGaussianHalfWidth(variance, 0.01)
      let beyond = 0
      for (const [y, c] of counts) if (Math.abs(y) > k) beyond += c
      let p = 0
      for (let y = k + 1; pmf(y) > 0; y++) p += 2 * pmf(y)
      expect(p).toBeLessThanOrEqual(0.01)
      expect(Math.abs(beyond / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-6)
    },
  )

  it('a seeded source reproduces the chi-square fit (deterministic)', () => {
    const variance = rational(25)
    const words = wordsFrom(seededRandom(12))
    const n = 200_000
    const fit = chiSquare(
      tally(n, () => discreteGaussian(variance, words)),
      n,
      gaussianPmf(variance),
    )
    expect(fit.p).toBeGreaterThan(0.001)
  })
})
