import { describe, expect, it } from 'vitest'
import { PrivacyParameterError } from '../../../../shared/privacy/parameters'
import {
  bernoulliExp,
  discreteLaplace,
  discreteLaplaceVariance,
  uniformInteger,
} from '../../../../shared/privacy/synthetic/discrete-noise'
import { seededRandom } from '../../../../shared/random'

const draws = (n: number, draw: () => number) => Array.from({ length: n }, draw)
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
const variance = (xs: readonly number[]) => {
  const m = mean(xs)
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)
}

describe('exact discrete samplers (Canonne, Kamath and Steinke 2020)', () => {
  it('uniformInteger is uniform on [0, m), also past 2^32', () => {
    const random = seededRandom(1)
    const xs = draws(30_000, () => uniformInteger(6, random))
    for (let k = 0; k < 6; k++) expect(xs.filter((x) => x === k).length / xs.length).toBeCloseTo(1 / 6, 2)
    const big = draws(2000, () => uniformInteger(2 ** 40 + 3, random))
    expect(big.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 40 + 3)).toBe(true)
    expect(mean(big) / 2 ** 40).toBeGreaterThan(0.45)
    expect(mean(big) / 2 ** 40).toBeLessThan(0.55)
  })

  it.each([0.3, 1, 2.5])('bernoulliExp(%s) is true with probability exp(-gamma)', (gamma) => {
    const random = seededRandom(2)
    const n = Math.round(gamma * 1000)
    const share = mean(draws(40_000, () => (bernoulliExp(n, 1000, random) ? 1 : 0)))
    expect(Math.abs(share - Math.exp(-gamma))).toBeLessThan(0.01)
  })

  it.each([0.7, 3, 20])(
    'discrete Laplace of scale %s: integers, centred, with variance 2q/(1-q)^2',
    (scale) => {
      const random = seededRandom(3)
      const xs = draws(40_000, () => discreteLaplace(scale, random))
      expect(xs.every(Number.isInteger)).toBe(true)
      const expected = discreteLaplaceVariance(scale)
      const q = Math.exp(-1 / scale)
      expect(expected).toBeCloseTo((2 * q) / (1 - q) ** 2, 3)
      expect(Math.abs(variance(xs) / expected - 1)).toBeLessThan(0.05)
      expect(Math.abs(mean(xs))).toBeLessThan(4 * Math.sqrt(expected / xs.length))
      // The ratio of neighbouring probabilities is exp(-1/t): what makes counts of sensitivity 1 (1/t)-DP.
      const p0 = xs.filter((x) => x === 0).length
      const p1 = xs.filter((x) => Math.abs(x) === 1).length / 2
      expect(Math.abs(p1 / p0 - q)).toBeLessThan(0.05)
    },
  )

  it('refuses a scale that is not positive or too large', () => {
    const random = seededRandom(4)
    expect(() => discreteLaplace(0, random)).toThrow(PrivacyParameterError)
    expect(() => discreteLaplace(Number.NaN, random)).toThrow(PrivacyParameterError)
    expect(() => discreteLaplace(2 ** 31, random)).toThrow(/largest supported/)
  })
})
