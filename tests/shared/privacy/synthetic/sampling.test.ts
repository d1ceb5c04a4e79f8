import { describe, expect, it } from 'vitest'
import { marginal, totalVariation } from '../../../../shared/privacy/synthetic/marginals'
import { edgeKey, fitTreeModel, sampleTreeModel } from '../../../../shared/privacy/synthetic/sampling'
import { seededRandom } from '../../../../shared/random'

const f = (xs: number[]) => Float64Array.from(xs)
// Three columns: 0 (3 cells) - 1 (2 cells) - 2 (2 cells), a chain; noisy counts include a negative one.
const sizes = [3, 2, 2]
const tree = [
  { i: 0, j: 1 },
  { i: 1, j: 2 },
]
const oneWay = [
  { counts: f([30, 50, 20]), variance: 1 },
  { counts: f([40, 60]), variance: 1 },
  { counts: f([70, 30]), variance: 1 },
]
const pairs = new Map([
  [edgeKey(0, 1), { counts: f([25, 5, -2, 50, 10, 10]), variance: 1 }],
  [edgeKey(1, 2), { counts: f([35, 5, 0, 0]), variance: 1 }],
])

describe('the tree model', () => {
  it('turns each measured pair into a conditional, falling back to the 1-way marginal on an empty row', () => {
    const model = fitTreeModel(sizes, tree, oneWay, pairs, 2)
    expect(model.steps.map((s) => [s.parent, s.child])).toEqual([
      [2, 1],
      [1, 0],
    ])
    const c21 = model.steps[0]!.conditional
    // Column 2 = 0: counts (35, 0) over column 1 -> (1, 0); column 2 = 1: (5, 0) -> (1, 0).
    expect([...c21]).toEqual([1, 0, 1, 0])
    const c10 = model.steps[1]!.conditional
    // Column 1 = 1 row of the (0, 1) table is (5, 50, 10): the pair was measured as (0, 1), read transposed.
    expect([...c10.subarray(3, 6)].map((p) => p.toFixed(4))).toEqual(['0.0769', '0.7692', '0.1538'])
    // Column 1 = 0 row is (25, -2 -> 0, 10).
    expect([...c10.subarray(0, 3)].map((p) => p.toFixed(4))).toEqual(['0.7143', '0.0000', '0.2857'])
    const empty = new Map(pairs)
    empty.set(edgeKey(1, 2), { counts: f([35, 5, -4, -1]), variance: 1 })
    const fallback = fitTreeModel(
      sizes,
      [
        { i: 1, j: 2 },
        { i: 0, j: 1 },
      ],
      oneWay,
      empty,
      1,
    )
    // Root 1; its child 2 under column 1 = 1 has no mass left: column 2's own marginal (0.7, 0.3).
    expect([...fallback.steps.find((s) => s.child === 2)!.conditional.subarray(2, 4)]).toEqual([0.7, 0.3])
  })

  it('pools the root marginal from its 1-way and pair measurements by inverse variance', () => {
    const model = fitTreeModel(sizes, tree, oneWay, pairs, 2)
    // 1-way (70, 30) at variance 1, the (1, 2) pair's column sums (35, 5) at variance 2: weights 1 and 1/2.
    const pooled = [(70 + 35 / 2) / 1.5, (30 + 5 / 2) / 1.5]
    const total = pooled[0]! + pooled[1]!
    expect([...model.rootMarginal].map((p) => p.toFixed(6))).toEqual(
      pooled.map((p) => (p / total).toFixed(6)),
    )
  })

  it('sampled rows approach the model: the root marginal and every conditional along the tree', () => {
    const model = fitTreeModel(sizes, tree, oneWay, pairs, 0)
    const rows = 60_000
    const codes = sampleTreeModel(model, rows, seededRandom(9))
    const root = marginal(codes, sizes, 0).map((c) => c / rows)
    expect(totalVariation(root, model.rootMarginal)).toBeLessThan(0.01)
    for (const step of model.steps) {
      const joint = marginal(codes, sizes, step.parent, step.child)
      const width = sizes[step.child]!
      for (let a = 0; a < sizes[step.parent]!; a++) {
        const row = joint.subarray(a * width, (a + 1) * width)
        const mass = row.reduce((s, c) => s + c, 0)
        const sampled = row.map((c) => c / mass)
        expect(totalVariation(sampled, step.conditional.subarray(a * width, (a + 1) * width))).toBeLessThan(
          0.02,
        )
      }
    }
  })

  it('refuses edges that do not span every column', () => {
    expect(() => fitTreeModel(sizes, [{ i: 0, j: 1 }], oneWay, pairs, 0)).toThrow(/do not span/)
  })
})
