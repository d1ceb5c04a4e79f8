import { describe, expect, it } from 'vitest'
import {
  marginal,
  marginalError,
  noisyCounts,
  toDistribution,
  totalVariation,
} from '../../../../shared/privacy/synthetic/marginals'
import { seededRandom } from '../../../../shared/random'

const codes = [Int32Array.from([0, 1, 1, 2]), Int32Array.from([1, 0, 1, 1])]
const sizes = [3, 2]

describe('marginals', () => {
  it('counts rows per cell of one column and of a pair (row-major)', () => {
    expect([...marginal(codes, sizes, 0)]).toEqual([1, 2, 1])
    expect([...marginal(codes, sizes, 0, 1)]).toEqual([0, 1, 1, 1, 0, 1])
  })

  it('projects noisy counts to a distribution and measures total variation', () => {
    expect([...toDistribution(Float64Array.from([-3, 1, 3]))]).toEqual([0, 0.25, 0.75])
    expect([...toDistribution(Float64Array.from([-1, -2]))]).toEqual([0.5, 0.5])
    expect(totalVariation(Float64Array.from([1, 0]), Float64Array.from([0, 1]))).toBe(1)
    expect(totalVariation(Float64Array.from([0.5, 0.5]), Float64Array.from([0.25, 0.75]))).toBe(0.25)
  })

  it('noisy counts are the counts plus integer noise', () => {
    const noisy = noisyCounts(Float64Array.from([10, 20, 30]), 2, seededRandom(1))
    expect([...noisy].every(Number.isInteger)).toBe(true)
    expect([...noisy].some((c, k) => c !== [10, 20, 30][k])).toBe(true)
  })

  it('marginal error is 0 for the same table and grows when a pair is broken', () => {
    expect(marginalError(codes, codes, sizes)).toBe(0)
    const shuffled = [codes[0]!, Int32Array.from([0, 1, 1, 1])]
    // 1-way marginals agree; only the pair differs: (0 + 0 + 0.5) / 3.
    expect(marginalError(codes, shuffled, sizes)).toBeCloseTo(0.5 / 3, 12)
  })
})
