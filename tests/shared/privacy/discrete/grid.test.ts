import { describe, expect, it } from 'vitest'
import { analyticGaussianSigma } from '../../../../shared/privacy/calibration'
import {
  discreteGaussianVarianceFor,
  zcdpDelta,
} from '../../../../shared/privacy/discrete/gaussian-calibration'
import {
  defaultGranularity,
  gridIndex,
  gridMagnitude,
  gridRange,
  requireGranularity,
} from '../../../../shared/privacy/discrete/grid'
import { exactRational, isqrt, scaleAtLeast } from '../../../../shared/privacy/discrete/rational'
import { PrivacyParameterError } from '../../../../shared/privacy/parameters'
import { privateCount, privateSum } from '../../../../shared/privacy/statistics'
import { seededRandom } from '../../../../shared/random'

describe('the release grid', () => {
  it('picks 1 for integer columns and a power of two near range / 1024 otherwise', () => {
    expect(defaultGranularity(0, 100, true)).toBe(1)
    expect(defaultGranularity(0, 100)).toBe(2 ** -4) // 100 / 1024 = 0.098 -> 0.0625
    expect(defaultGranularity(0, 1e6, true)).toBe(512)
    expect(defaultGranularity(-1, 1)).toBe(2 ** -9)
    expect(() => defaultGranularity(3, 3)).toThrow('bounds: need finite lower < upper')
    expect(() => requireGranularity(0.1)).toThrow('granularity: must be a power of two')
    expect(requireGranularity(0.125)).toBe(0.125)
  })

  it('clamps, rounds to the grid, and measures sensitivity in whole steps', () => {
    expect(gridIndex(1e9, 0, 100, 1)).toBe(100)
    expect(gridIndex(-5, 0, 100, 1)).toBe(0)
    expect(gridIndex(2.5, 0, 100, 1)).toBe(3)
    expect(gridIndex(-2.5, -10, 10, 1)).toBe(-3)
    expect(gridRange(18, 90, 1)).toBe(72)
    expect(gridRange(0, 100, 2 ** -4)).toBe(1600)
    expect(gridMagnitude(-36, 36, 2 ** -4)).toBe(576)
  })

  it('releases counts as integers and sums on their grid', () => {
    const random = seededRandom(1)
    const count = privateCount(1000, 0.5, random)
    expect(Number.isInteger(count.value)).toBe(true)
    expect(count).toMatchObject({ scale: 2, granularity: 1, epsilon: 0.5 })
    const values = Array.from({ length: 300 }, (_, i) => (i * 7.31) % 10)
    const sum = privateSum(values, { lower: 0, upper: 10 }, 1, random)
    expect(sum.granularity).toBe(2 ** -7)
    expect(Number.isInteger(sum.value / sum.granularity)).toBe(true)
    expect(sum.scale).toBeCloseTo(10, 3) // 1280 steps of 2^-7 at epsilon 1
    expect(() => privateCount(2.5, 1)).toThrow('count: must be a whole number')
  })
})

describe('exact rationals', () => {
  it('holds doubles exactly, rounds scales up on 2^-16, takes integer square roots', () => {
    expect(exactRational(0.375)).toEqual({ num: 3n, den: 8n })
    const tenth = exactRational(0.1)
    expect(Number(tenth.num) / Number(tenth.den)).toBe(0.1)
    expect(scaleAtLeast(1.5)).toEqual({ num: 98_304n, den: 65_536n })
    expect(() => scaleAtLeast(0)).toThrow(PrivacyParameterError)
    expect(() => scaleAtLeast(Number.NaN)).toThrow(PrivacyParameterError)
    expect(() => scaleAtLeast(2 ** 60)).toThrow('past the largest supported scale')
    expect(isqrt(0n)).toBe(0n)
    expect(isqrt(99n)).toBe(9n)
    expect(isqrt(100n)).toBe(10n)
    expect(isqrt((1n << 100n) + 5n)).toBe(1n << 50n)
  })
})

describe('discrete Gaussian calibration through zCDP (CKS 2020, Corollary 13)', () => {
  it.each([
    [1, 1e-5],
    [0.5, 1e-6],
    [4, 1e-5],
  ])(
    'at epsilon %s, delta %s: meets delta, and needs a little more noise than the analytic Gaussian',
    (epsilon, delta) => {
      const variance = discreteGaussianVarianceFor(10, epsilon, delta)
      const sigma = Math.sqrt(Number(variance.num) / Number(variance.den))
      expect(zcdpDelta(100 / (2 * sigma * sigma), epsilon)).toBeLessThanOrEqual(delta)
      const analytic = analyticGaussianSigma(10, epsilon, delta)
      expect(sigma).toBeGreaterThan(analytic)
      expect(sigma / analytic).toBeLessThan(1.5)
      expect(() => discreteGaussianVarianceFor(0.5, epsilon, delta)).toThrow(
        'sensitivity: must be a whole number',
      )
    },
  )
})
