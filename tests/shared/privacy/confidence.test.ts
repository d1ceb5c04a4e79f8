import { describe, expect, it } from 'vitest'
import {
  laplaceInterval,
  meanInterval,
  ratioRange,
  varianceInterval,
} from '../../../shared/privacy/confidence'
import { laplaceNoise } from '../../../shared/privacy/noise'
import { seededRandom } from '../../../shared/random'

describe('Laplace confidence intervals', () => {
  it('cover a single noisy value exactly as often as asked', () => {
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
