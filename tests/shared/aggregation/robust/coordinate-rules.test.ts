import { describe, expect, it } from 'vitest'
import { coordinateMedian } from '../../../../shared/aggregation/robust/coordinate-median'
import { trimmedMean } from '../../../../shared/aggregation/robust/trimmed-mean'
import { expectCloseTo, mean, normalVectors, SEEDS, seeded, v } from './fixtures'

describe('coordinateMedian (Yin et al. 2018)', () => {
  it('takes the middle value of each coordinate, whatever the order of the updates', () => {
    const updates = [v(1, 10, -3), v(5, -2, 0), v(3, 4, 100)]
    expect([...coordinateMedian(updates)]).toEqual([3, 4, 0])
    expect([...coordinateMedian([...updates].reverse())]).toEqual([3, 4, 0])
  })

  it('averages the two middle values of an even count, and returns a single update as it is', () => {
    expect([...coordinateMedian([v(1, 0), v(2, 8), v(4, 2), v(100, -1)])]).toEqual([3, 1])
    expect([...coordinateMedian([v(0.5, -2)])]).toEqual([0.5, -2])
  })

  it('ignores a minority of huge values (property, seeded)', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const honest = normalVectors(random, 4, 6)
      const attack = Float32Array.from({ length: 6 }, () => 3.3e38)
      const result = coordinateMedian([...honest, attack, attack.map((x) => -x)])
      for (let j = 0; j < 6; j++) {
        const column = honest.map((h) => h[j]!)
        expect(result[j]!).toBeGreaterThanOrEqual(Math.min(...column))
        expect(result[j]!).toBeLessThanOrEqual(Math.max(...column))
      }
    }
  })

  it('refuses no updates and mismatched lengths', () => {
    expect(() => coordinateMedian([])).toThrow(/no updates/)
    expect(() => coordinateMedian([v(1), v(1, 2)])).toThrow(/values/)
  })
})

describe('trimmedMean (Yin et al. 2018)', () => {
  it('cuts floor(beta n) values at each end of every coordinate and averages the rest', () => {
    const updates = [v(1, 50), v(2, 40), v(3, 30), v(4, 20), v(100, -1000)]
    // beta 0.2, n 5: one value cut at each end.
    expect([...trimmedMean(updates, 0.2)]).toEqual([3, 30])
    // beta 0.1, n 5: floor(0.5) = 0, the plain mean.
    expect([...trimmedMean(updates, 0.1)]).toEqual([22, -172])
  })

  it('with ties at the cut keeps exactly n - 2k values', () => {
    // n 6, beta 0.25: k = 1; the sorted column 1 1 1 5 5 5 keeps 1 1 5 5.
    const updates = [v(1), v(5), v(1), v(5), v(1), v(5)]
    expect([...trimmedMean(updates, 0.25)]).toEqual([3])
    // All equal: any cut gives that value.
    expect([...trimmedMean([v(7), v(7), v(7), v(7)], 0.49)]).toEqual([7])
  })

  it('equals the definition computed naively, and the plain mean at beta 0 (property, seeded)', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const n = 1 + Math.floor(random() * 9)
      const beta = random() * 0.49
      const updates = normalVectors(random, n, 5).map((x) => x.map((y) => Math.round(y * 2) / 2))
      const k = Math.floor(beta * n + 1e-9)
      const result = trimmedMean(updates, beta)
      for (let j = 0; j < 5; j++) {
        const column = updates.map((x) => x[j]!).sort((a, b) => a - b)
        const kept = column.slice(k, n - k)
        expect(result[j]!).toBeCloseTo(kept.reduce((s, x) => s + x, 0) / kept.length, 5)
      }
      const plain = mean(updates)
      expectCloseTo(trimmedMean(updates, 0), plain, 5)
    }
  })

  it('refuses a beta that would trim everything, and no updates', () => {
    expect(() => trimmedMean([v(1), v(2)], 0.5)).toThrow(/beta must be in \[0, 0.5\)/)
    expect(() => trimmedMean([v(1), v(2)], -0.1)).toThrow(/beta/)
    expect(() => trimmedMean([v(1), v(2)], 0.4999999999999)).toThrow(/leaves nothing/)
    expect(() => trimmedMean([], 0.1)).toThrow(/no updates/)
    expect([...trimmedMean([v(4, 2)], 0.4)]).toEqual([4, 2])
  })
})
