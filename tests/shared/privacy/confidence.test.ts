import { describe, expect, it } from 'vitest'
import {
  laplaceHalfWidth,
  laplaceInterval,
  meanInterval,
  ratioRange,
  varianceInterval,
} from '../../../shared/privacy/confidence'
import { laplaceNoise } from '../../../shared/privacy/noise'
import { privateCount } from '../../../shared/privacy/statistics'
import { seededRandom } from '../../../shared/random'

describe('Laplace confidence intervals', () => {
  it('cover a single continuous noisy value exactly as often as asked', () => {
    const random = seededRandom(21)
    const draws = 40_000
    for (const confidence of [0.5, 0.9, 0.95]) {
      let covered = 0
      for (let i = 0; i < draws; i++) {
        const noisy = 7 + laplaceNoise(3, random)
        const { low, high } = laplaceInterval(noisy, 3, confidence)
        if (low <= 7 && 7 <= high) covered++
      }
      const se = Math.sqrt((confidence * (1 - confidence)) / draws)
      expect(Math.abs(covered / draws - confidence)).toBeLessThan(4 * se)
    }
    expect(() => laplaceInterval(0, 1, 1)).toThrow('confidence: must lie in (0, 1)')
  })

  it('cover a discrete release at least as often as asked, with the exact discrete tail', () => {
    const random = seededRandom(22)
    const draws = 40_000
    for (const [epsilon, confidence] of [
      [1, 0.95],
      [0.2, 0.9],
    ] as const) {
      let covered = 0
      let scale = 0
      for (let i = 0; i < draws; i++) {
        const count = privateCount(7, epsilon, random)
        scale = count.scale
        const { low, high } = laplaceInterval(count.value, count.scale, confidence, count.granularity)
        if (low <= 7 && 7 <= high) covered++
      }
      const exact =
        1 -
        (2 * Math.exp(-(laplaceHalfWidth(scale, 1 - confidence, 1) + 1) / scale)) / (1 + Math.exp(-1 / scale))
      expect(exact).toBeGreaterThanOrEqual(confidence)
      const se = Math.sqrt((exact * (1 - exact)) / draws)
      expect(Math.abs(covered / draws - exact)).toBeLessThan(4 * se)
    }
  })

  it('bound a ratio by its corners, and a mean or variance by the declared range', () => {
    expect(ratioRange({ low: -2, high: 4 }, { low: 1, high: 2 })).toEqual({ low: -2, high: 4 })
    expect(ratioRange({ low: 2, high: 4 }, { low: 1, high: 2 })).toEqual({ low: 1, high: 4 })
    // A count whose interval reaches below 1 is cut at 1 (a listed dataset has rows): the mean stays in range.
    const wide = meanInterval({ value: 0, scale: 1000 }, { value: 3, scale: 100 }, 50, 10)
    expect(wide).toEqual({ low: 40, high: 60 })
    const v = varianceInterval(
      { value: 0, scale: 1 },
      { value: 400, scale: 1 },
      { value: 100, scale: 0.01 },
      10,
    )
    expect(v.low).toBeGreaterThan(3.5)
    expect(v.high).toBeLessThan(4.5)
    expect(v.low).toBeLessThanOrEqual(4)
    expect(v.high).toBeGreaterThanOrEqual(4)
  })
})
