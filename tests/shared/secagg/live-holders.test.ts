import { describe, expect, it } from 'vitest'
import { keepClientsWithLiveHolders } from '../../../shared/secagg/live-holders'

describe('keeping clients with t live holders, repeatedly', () => {
  // A path 1 - 2 - 3 - 4 - 5: holders are a client and its path neighbours.
  const holders = (u: number) => [u - 1, u, u + 1].filter((v) => v >= 1 && v <= 5)

  it('keeps everyone who has t live holders', () => {
    const { kept, removed } = keepClientsWithLiveHolders(new Set([1, 2, 3, 4, 5]), holders, 2)
    expect([...kept]).toEqual([1, 2, 3, 4, 5])
    expect(removed.size).toBe(0)
  })

  it('cascades: removing one client can leave its neighbours short', () => {
    // t = 3: the ends (2 holders) go, then 2 and 4 are short, then 3.
    const { kept, removed } = keepClientsWithLiveHolders(new Set([1, 2, 3, 4, 5]), holders, 3)
    expect(kept.size).toBe(0)
    expect(removed.get(1)).toBe(2)
    expect(removed.get(3)).toBeLessThan(3)
  })

  it('counts only live holders: a gap isolates its neighbours', () => {
    const { kept, removed } = keepClientsWithLiveHolders(new Set([1, 2, 4, 5]), holders, 2)
    expect([...kept].sort()).toEqual([1, 2, 4, 5])
    const gap = keepClientsWithLiveHolders(new Set([1, 3, 5]), holders, 2)
    expect(gap.kept.size).toBe(0)
    expect([...gap.removed.values()]).toEqual([1, 1, 1])
    expect(removed.size).toBe(0)
  })
})
