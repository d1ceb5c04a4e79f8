import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildGraph, graphProblem } from '../../../shared/secagg/graph'
import { randomBytes } from '../../../shared/secagg/random'

const ids = (n: number) => Array.from({ length: n }, (_, i) => 1000 + 3 * i)

describe('the SecAgg+ graph: a Harary graph under a seeded relabelling (Bell et al. 2020)', () => {
  it('is k-regular, symmetric, without self-links, for any n, k with n * k even', () => {
    const degrees = fc
      .integer({ min: 2, max: 60 })
      .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n - 1 })))
      .filter(([n, k]) => k % 2 === 0 || n % 2 === 0)
    fc.assert(
      fc.property(degrees, ([n, k]) => {
        const graph = buildGraph(ids(n), k, randomBytes(32))
        const wrong = [...graph].filter(
          ([u, links]) => links.size !== k || links.has(u) || [...links].some((v) => !graph.get(v)!.has(u)),
        )
        expect(graph.size).toBe(n)
        expect(wrong).toEqual([])
      }),
      { numRuns: 200 },
    )
  })

  it('k = n - 1 is the complete graph (plain SecAgg)', () => {
    for (const n of [2, 5, 10, 11]) {
      for (const [u, links] of buildGraph(ids(n), n - 1, randomBytes(32))) {
        expect([...links].sort((a, b) => a - b)).toEqual(ids(n).filter((v) => v !== u))
      }
    }
  })

  it('is fixed by the public seed (everyone derives the same), and another seed relabels it', () => {
    const seed = randomBytes(32)
    const one = buildGraph(ids(50), 6, seed)
    const again = buildGraph(ids(50), 6, Uint8Array.from(seed))
    for (const [u, links] of one) expect(again.get(u)).toEqual(links)
    const other = buildGraph(ids(50), 6, randomBytes(32))
    expect([...one].some(([u, links]) => [...links].some((v) => !other.get(u)!.has(v)))).toBe(true)
  })

  it('spreads neighbours over the roster: each pair is linked about k / (n - 1) of the time', () => {
    const n = 12
    const k = 4
    const trials = 1500
    let linked = 0
    for (let i = 0; i < trials; i++) if (buildGraph(ids(n), k, randomBytes(32)).get(1000)!.has(1003)) linked++
    const p = k / (n - 1)
    expect(Math.abs(linked / trials - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / trials))
  })

  it('refuses impossible degrees with a suggestion', () => {
    expect(graphProblem(9, 3)).toMatch(/k = 3 odd needs an even number of clients.*use k = 4/)
    expect(graphProblem(9, 9)).toMatch(/from 1 to n - 1 = 8/)
    expect(graphProblem(1, 1)).toMatch(/at least 2 clients/)
    expect(() => buildGraph(ids(9), 3, randomBytes(32))).toThrow(RangeError)
  })
})
