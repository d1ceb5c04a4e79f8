import { describe, expect, it } from 'vitest'
import { applyDelta, FedAvgAccumulator, fedAvg } from '../../shared/aggregation/fedavg'

describe('FedAvg', () => {
  it('weights each update by its example count (hand computation)', () => {
    // (100*[1,2] + 300*[5,-2]) / 400 = [4, -1]
    const mean = fedAvg([
      { values: Float32Array.from([1, 2]), weight: 100 },
      { values: Float32Array.from([5, -2]), weight: 300 },
    ])
    expect(Array.from(mean)).toEqual([4, -1])
  })

  it('is not an unweighted mean', () => {
    const mean = fedAvg([
      { values: Float32Array.from([0]), weight: 1 },
      { values: Float32Array.from([10]), weight: 9 },
    ])
    expect(mean[0]).toBeCloseTo(9, 6)
  })

  it('streams: one running sum, same answer in any order', () => {
    const updates = Array.from({ length: 50 }, (_, i) => ({
      values: Float32Array.from([i, -i / 3, Math.sin(i)]),
      weight: 1 + (i % 7),
    }))
    const forward = fedAvg(updates)
    const backward = fedAvg([...updates].reverse())
    for (let i = 0; i < 3; i++) expect(forward[i]).toBeCloseTo(backward[i]!, 5)
    const accumulator = new FedAvgAccumulator(3)
    for (const u of updates) accumulator.add(u.values, u.weight)
    expect(accumulator.count).toBe(50)
    expect(accumulator.totalWeight).toBe(updates.reduce((s, u) => s + u.weight, 0))
  })

  it('refuses mismatched lengths, non-positive weights and empty input', () => {
    const accumulator = new FedAvgAccumulator(2)
    expect(() => accumulator.add(Float32Array.from([1]), 1)).toThrow(/1 values, expected 2/)
    expect(() => accumulator.add(Float32Array.from([1, 2]), 0)).toThrow(/positive/)
    expect(() => accumulator.mean()).toThrow(/no updates/)
    expect(() => fedAvg([])).toThrow(/no updates/)
  })

  it('applies an averaged delta to the global weights', () => {
    expect(Array.from(applyDelta(Float32Array.from([1, 1]), Float32Array.from([0.5, -2])))).toEqual([1.5, -1])
  })
})
