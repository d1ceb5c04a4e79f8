import { describe, expect, it } from 'vitest'
import {
  minimumThreshold,
  paramsProblems,
  planSecAggRound,
  suggestedNeighbours,
} from '../../../shared/secagg/params'
import { randomBytes } from '../../../shared/secagg/random'

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

describe('masked-round parameters: defaults and checks with clear messages', () => {
  it('defaults: k of order log n, t a majority of the k + 1 holders, 16 bits, clamp 1', () => {
    expect([10, 50, 100, 1000].map(suggestedNeighbours)).toEqual([8, 12, 14, 20])
    expect(suggestedNeighbours(5)).toBe(4) // the complete graph when log n is not smaller
    const params = planSecAggRound([5, 3, 9, 1], 10, 'r', randomBytes(32))
    expect(params.clientIds).toEqual([1, 3, 5, 9])
    expect(params).toMatchObject({ neighbours: 3, threshold: 3, bits: 16, clamp: 1 })
    expect(minimumThreshold(9)).toBe(6) // n = 10, full graph: floor(10 / 2) + 1
    expect(minimumThreshold(4)).toBe(3)
  })

  it('names every problem', () => {
    const good = planSecAggRound(ids(10), 10, 'r', randomBytes(32), { neighbours: 4 })
    expect(paramsProblems(good)).toEqual([])
    expect(paramsProblems({ ...good, threshold: 2 })).toEqual([
      'threshold t must be an integer from 3 (a majority of the 5 holders) to 5 (got 2)',
    ])
    expect(paramsProblems({ ...good, threshold: 6 })[0]).toMatch(/to 5 \(got 6\)/)
    expect(paramsProblems({ ...good, neighbours: 3, threshold: 3 })).toEqual([])
    expect(paramsProblems({ ...good, clientIds: [1, 1, 2] })[0]).toMatch(/distinct and in ascending order/)
    expect(paramsProblems({ ...good, clientIds: [0, 1, 2] })[0]).toMatch(/integers from 1 to 2\^32 - 1/)
    expect(paramsProblems({ ...good, vectorLength: 0 })[0]).toMatch(/vector length/)
    expect(paramsProblems({ ...good, roundId: '' })[0]).toMatch(/round id/)
    expect(paramsProblems({ ...good, bits: 30 })[0]).toMatch(/at most 28 bits for 10 clients/)
    expect(paramsProblems({ ...good, clientIds: [1] })[0]).toMatch(/2 to 10000 clients/)
  })

  it('caps the holders at the 255 that GF(2^8) sharing allows (plain SecAgg beyond 255 clients is refused)', () => {
    const big = planSecAggRound(ids(300), 1, 'r', randomBytes(32))
    expect(big.neighbours).toBe(18)
    expect(paramsProblems({ ...big, neighbours: 299, threshold: 151 })[0]).toMatch(
      /300 share holders exceed the 255/,
    )
    expect(() => planSecAggRound(ids(300), 1, 'r', randomBytes(32), { neighbours: 299 })).toThrow(/lower k/)
  })
})
