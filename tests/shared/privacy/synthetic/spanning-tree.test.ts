import { describe, expect, it } from 'vitest'
import {
  type Edge,
  exponentialMechanism,
  maximumSpanningTree,
  privateSpanningTree,
} from '../../../../shared/privacy/synthetic/spanning-tree'
import { seededRandom } from '../../../../shared/random'

/** Every spanning tree of the complete graph on n nodes, by brute force over edge subsets. */
function allSpanningTrees(n: number): Edge[][] {
  const edges: Edge[] = []
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) edges.push({ i, j })
  const trees: Edge[][] = []
  for (let mask = 0; mask < 1 << edges.length; mask++) {
    const chosen = edges.filter((_, k) => mask & (1 << k))
    if (chosen.length !== n - 1) continue
    const parent = Array.from({ length: n }, (_, k) => k)
    const find = (k: number): number => (parent[k] === k ? k : find(parent[k]!))
    let acyclic = true
    for (const e of chosen) {
      if (find(e.i) === find(e.j)) acyclic = false
      else parent[find(e.i)] = find(e.j)
    }
    if (acyclic) trees.push(chosen)
  }
  return trees
}

const weightOf = (tree: readonly Edge[], w: (i: number, j: number) => number) =>
  tree.reduce((s, e) => s + w(e.i, e.j), 0)
const key = (tree: readonly Edge[]) =>
  tree
    .map((e) => `${Math.min(e.i, e.j)}-${Math.max(e.i, e.j)}`)
    .sort()
    .join(',')

describe('spanning trees', () => {
  it('maximumSpanningTree weighs as much as the heaviest of all spanning trees', () => {
    const random = seededRandom(5)
    for (let trial = 0; trial < 20; trial++) {
      const n = 5
      const table = Array.from({ length: n }, () => Array.from({ length: n }, () => random()))
      const w = (i: number, j: number) => table[Math.min(i, j)]![Math.max(i, j)]!
      const tree = maximumSpanningTree(n, w)
      expect(tree).toHaveLength(n - 1)
      const best = Math.max(...allSpanningTrees(n).map((t) => weightOf(t, w)))
      expect(weightOf(tree, w)).toBeCloseTo(best, 12)
    }
  })

  it('the exponential mechanism picks in proportion to exp(epsilon·score / 2·sensitivity)', () => {
    const random = seededRandom(6)
    const picks = [0, 0]
    for (let k = 0; k < 20_000; k++) picks[exponentialMechanism([0, 1], 2, 1, random)]!++
    // exp(1) : 1
    expect(picks[1]! / picks[0]!).toBeGreaterThan(Math.E * 0.93)
    expect(picks[1]! / picks[0]!).toBeLessThan(Math.E * 1.07)
    expect(() => exponentialMechanism([1], 0, 1, random)).toThrow(/epsilon/)
  })

  it('the private tree is a spanning tree; at a large epsilon it is the maximum one, at a small one it varies', () => {
    const n = 6
    const random = seededRandom(7)
    const table = Array.from({ length: n }, () => Array.from({ length: n }, () => random() * 100))
    const w = (i: number, j: number) => table[Math.min(i, j)]![Math.max(i, j)]!
    const best = key(maximumSpanningTree(n, w))
    const sharp = privateSpanningTree(n, w, 100, 2, seededRandom(8))
    expect(key(sharp)).toBe(best)
    const trees = new Set(
      Array.from({ length: 30 }, (_, s) => key(privateSpanningTree(n, w, 0.001, 2, seededRandom(s)))),
    )
    expect(trees.size).toBeGreaterThan(5)
    for (const t of trees) expect(t.split(',')).toHaveLength(n - 1)
  })
})
