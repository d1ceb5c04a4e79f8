import { describe, expect, it } from 'vitest'
import {
  analyticGaussianSigma,
  classicGaussianSigma,
  gaussianDelta,
  laplaceScale,
} from '../../../shared/privacy/calibration'
import { clipToNorm, l2Norm, privatizeUpdate } from '../../../shared/privacy/clipping'
import { gaussianNoise, laplaceNoise } from '../../../shared/privacy/noise'
import { seededRandom } from '../../../shared/random'

const sampleStd = (draws: number[]): number => {
  const mean = draws.reduce((s, v) => s + v, 0) / draws.length
  return Math.sqrt(draws.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws.length - 1))
}

describe('calibration', () => {
  it.each([
    [0.1, 1e-5, 30.74957, 48.44805],
    [0.5, 1e-5, 7.03183, 9.68961],
    [1, 1e-5, 3.73063, 4.84481],
    [1, 1e-6, 4.22468, 5.2988],
    [4, 1e-5, 1.08116, 1.2112],
    [10, 1e-5, 0.49989, 0.48448],
  ])(
    'analytic Gaussian (Balle and Wang 2018) at epsilon %s, delta %s: sigma %s',
    (epsilon, delta, analytic, classic) => {
      expect(analyticGaussianSigma(1, epsilon, delta)).toBeCloseTo(analytic, 4)
      expect(analyticGaussianSigma(3, epsilon, delta)).toBeCloseTo(3 * analytic, 3)
      expect(gaussianDelta(analytic, 1, epsilon)).toBeCloseTo(delta, 6)
      if (epsilon < 1) expect(classicGaussianSigma(1, epsilon, delta)).toBeCloseTo(classic, 4)
    },
  )

  it('refuses the classic formula where it is not proven (epsilon >= 1)', () => {
    expect(() => classicGaussianSigma(1, 1, 1e-5)).toThrow(
      'epsilon: the classic Gaussian calibration holds only for epsilon < 1',
    )
  })

  it('Laplace scale is sensitivity / epsilon', () => {
    expect(laplaceScale(2, 0.5)).toBe(4)
    expect(() => laplaceScale(-1, 1)).toThrow('sensitivity: must not be negative')
    expect(() => laplaceScale(1, 0)).toThrow('epsilon: must be positive')
    expect(() => laplaceScale(1, Number.POSITIVE_INFINITY)).toThrow('epsilon: must be a finite number')
  })
})

describe('noise', () => {
  it.each([0.5, 2])(
    'Gaussian noise at sigma %s has that standard deviation (within 3%%), not that variance',
    (sigma) => {
      const random = seededRandom(7)
      const draws = Array.from({ length: 40_000 }, () => gaussianNoise(sigma, random))
      expect(Math.abs(sampleStd(draws) / sigma - 1)).toBeLessThan(0.03)
    },
  )

  it.each([0.5, 2])(
    'Laplace noise at scale %s has standard deviation sqrt(2) * scale (within 3%%)',
    (scale) => {
      const random = seededRandom(9)
      const draws = Array.from({ length: 40_000 }, () => laplaceNoise(scale, random))
      expect(Math.abs(sampleStd(draws) / (Math.SQRT2 * scale) - 1)).toBeLessThan(0.03)
    },
  )

  it('draws from crypto.getRandomValues by default (two draws differ)', () => {
    expect(gaussianNoise(1)).not.toBe(gaussianNoise(1))
  })
})

describe('clipping and DP updates', () => {
  it('never leaves a norm above the clip, and leaves short vectors alone', () => {
    const random = seededRandom(3)
    for (let trial = 0; trial < 200; trial++) {
      const v = Float32Array.from({ length: 50 }, () => (random() - 0.5) * 10 * trial)
      const { clipped, norm } = clipToNorm(v, 1.5)
      expect(l2Norm(clipped)).toBeLessThanOrEqual(1.5)
      if (norm <= 1.5) expect(Array.from(clipped)).toEqual(Array.from(v))
    }
  })

  it('privatizes an update: clipped to S, then N(0, std^2) per coordinate', () => {
    const big = new Float32Array(20_000).fill(1)
    const { update, norm, clipped } = privatizeUpdate(big, {
      clipNorm: 1,
      noiseStd: 0.5,
      random: seededRandom(4),
    })
    expect(clipped).toBe(true)
    expect(norm).toBeCloseTo(Math.sqrt(20_000), 3)
    const signal = 1 / Math.sqrt(20_000)
    expect(Math.abs(sampleStd(Array.from(update, (v) => v - signal)) / 0.5 - 1)).toBeLessThan(0.03)
    expect(() => privatizeUpdate(big, { clipNorm: -1, noiseStd: 1 })).toThrow('clipNorm: must be positive')
    expect(() => privatizeUpdate(big, { clipNorm: 1, noiseStd: -1 })).toThrow(
      'noiseStd: must not be negative',
    )
  })
})
