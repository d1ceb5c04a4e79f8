import type { RandomSource } from '../../random'
import { toDistribution } from './marginals'
import type { Edge } from './spanning-tree'

/**
 * A tree-structured graphical model: P(x) = P(x_root) · Π P(x_child | x_parent) over the tree's edges, directed away
 * from the root. On a tree this is the maximum-entropy distribution with the given pairwise marginals, which is what
 * MST's Private-PGM (McKenna, Miklau and Sheldon 2021) estimates from them, up to its least-squares consistency step.
 */
export interface TreeModel {
  readonly sizes: readonly number[]
  readonly root: number
  readonly rootMarginal: Float64Array
  /** Parents before children: each edge's conditional table, row = parent cell, row-major P(child | parent). */
  readonly steps: readonly {
    readonly parent: number
    readonly child: number
    readonly conditional: Float64Array
  }[]
}

/** A measured marginal: its noisy counts and the variance of the noise on each cell. */
export interface Measurement {
  readonly counts: Float64Array
  readonly variance: number
}

/**
 * Fits the tree model to noisy marginals: each pair table becomes a conditional (noisy counts projected to
 * non-negative and normalized per parent cell; an empty row falls back to the child's own 1-way marginal). The
 * root's marginal pools every estimate of it (its 1-way counts and the sums of its pair tables), weighted by the
 * inverse of their noise variance. Pure post-processing: no privacy cost.
 */
export function fitTreeModel(
  sizes: readonly number[],
  tree: readonly Edge[],
  oneWay: readonly Measurement[],
  pairs: ReadonlyMap<string, Measurement>,
  root: number,
): TreeModel {
  const pairOf = (a: number, b: number): { counts: Float64Array; variance: number; flipped: boolean } => {
    const m = pairs.get(edgeKey(a, b))
    if (!m) throw new RangeError(`fitTreeModel: no measurement for edge ${a}-${b}`)
    return { ...m, flipped: a > b }
  }
  // (parent p, child c) table as P[p][c], whichever order it was measured in.
  const table = (p: number, c: number): Float64Array => {
    const { counts, flipped } = pairOf(p, c)
    if (!flipped) return counts
    const out = new Float64Array(sizes[p]! * sizes[c]!)
    for (let a = 0; a < sizes[c]!; a++)
      for (let b = 0; b < sizes[p]!; b++) out[b * sizes[c]! + a] = counts[a * sizes[p]! + b]!
    return out
  }
  const neighbours = sizes.map(() => [] as number[])
  for (const e of tree) {
    neighbours[e.i]!.push(e.j)
    neighbours[e.j]!.push(e.i)
  }
  // Root marginal: inverse-variance weighted counts from every measurement that covers it.
  const pooled = new Float64Array(sizes[root]!)
  let weights = 0
  const add = (counts: ArrayLike<number>, variance: number) => {
    const w = 1 / Math.max(variance, 1e-12)
    for (let k = 0; k < pooled.length; k++) pooled[k]! += w * counts[k]!
    weights += w
  }
  add(oneWay[root]!.counts, oneWay[root]!.variance)
  for (const other of neighbours[root]!) {
    const t = table(root, other)
    const width = sizes[other]!
    const sums = Array.from({ length: sizes[root]! }, (_, a) =>
      t.subarray(a * width, (a + 1) * width).reduce((s, c) => s + c, 0),
    )
    add(sums, pairOf(root, other).variance * width)
  }
  const rootMarginal = toDistribution(pooled.map((c) => c / weights))
  const steps: { parent: number; child: number; conditional: Float64Array }[] = []
  const seen = new Set([root])
  const queue = [root]
  while (queue.length) {
    const parent = queue.shift()!
    for (const child of neighbours[parent]!) {
      if (seen.has(child)) continue
      seen.add(child)
      queue.push(child)
      const t = table(parent, child)
      const width = sizes[child]!
      const fallback = toDistribution(oneWay[child]!.counts)
      const conditional = new Float64Array(t.length)
      for (let a = 0; a < sizes[parent]!; a++) {
        const row = t.subarray(a * width, (a + 1) * width)
        const mass = row.reduce((s, c) => s + Math.max(0, c), 0)
        conditional.set(mass > 0 ? toDistribution(row) : fallback, a * width)
      }
      steps.push({ parent, child, conditional })
    }
  }
  if (seen.size !== sizes.length) throw new RangeError('fitTreeModel: the edges do not span every column')
  return { sizes, root, rootMarginal, steps }
}

/** The key of an undirected edge. */
export const edgeKey = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`)

/** One cell drawn from a distribution given as `p[offset .. offset + size)`. */
function draw(p: Float64Array, offset: number, size: number, random: RandomSource): number {
  let u = random()
  for (let k = 0; k < size; k++) {
    u -= p[offset + k]!
    if (u < 0) return k
  }
  return size - 1
}

/** `rows` rows drawn from the model (ancestral sampling, root first): one cell per column, column-major. */
export function sampleTreeModel(model: TreeModel, rows: number, random: RandomSource): Int32Array[] {
  const out = model.sizes.map(() => new Int32Array(rows))
  for (let r = 0; r < rows; r++) {
    out[model.root]![r] = draw(model.rootMarginal, 0, model.sizes[model.root]!, random)
    for (const step of model.steps) {
      const width = model.sizes[step.child]!
      out[step.child]![r] = draw(step.conditional, out[step.parent]![r]! * width, width, random)
    }
  }
  return out
}
