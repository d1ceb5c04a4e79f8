import type { RandomSource } from '../../random'
import { requireEpsilon, requirePositive } from '../parameters'

/** An undirected edge between columns i < j. */
export interface Edge {
  readonly i: number
  readonly j: number
}

/** Union-find over n nodes: which component each node is in. */
function components(n: number) {
  const parent = Array.from({ length: n }, (_, k) => k)
  const find = (k: number): number => {
    while (parent[k] !== k) {
      parent[k] = parent[parent[k]!]!
      k = parent[k]!
    }
    return k
  }
  const join = (a: number, b: number): void => {
    parent[find(a)] = find(b)
  }
  return { find, join }
}

const allEdges = (n: number): Edge[] =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: n - i - 1 }, (_, k) => ({ i, j: i + 1 + k })),
  ).flat()

/** A maximum-weight spanning tree of the complete graph on n nodes (Kruskal 1956): n - 1 edges. */
export function maximumSpanningTree(n: number, weight: (i: number, j: number) => number): Edge[] {
  const edges = allEdges(n)
    .map((e) => ({ ...e, w: weight(e.i, e.j) }))
    .sort((a, b) => b.w - a.w)
  const { find, join } = components(n)
  const tree: Edge[] = []
  for (const e of edges) {
    if (find(e.i) === find(e.j)) continue
    join(e.i, e.j)
    tree.push({ i: e.i, j: e.j })
  }
  return tree
}

/**
 * One draw of the exponential mechanism (McSherry and Talwar 2007): index k with probability proportional to
 * exp(epsilon · score_k / (2 · sensitivity)), epsilon-DP for scores of that sensitivity. The output is an index
 * (a grid), so the float weights only shape probabilities, never a released value.
 */
export function exponentialMechanism(
  scores: readonly number[],
  epsilon: number,
  sensitivity: number,
  random: RandomSource,
): number {
  requireEpsilon(epsilon)
  requirePositive(sensitivity, 'sensitivity')
  if (scores.length === 0) throw new RangeError('exponentialMechanism: nothing to choose from')
  const top = Math.max(...scores)
  const weights = scores.map((s) => Math.exp((epsilon * (s - top)) / (2 * sensitivity)))
  let u = random() * weights.reduce((s, w) => s + w, 0)
  for (let k = 0; k < weights.length; k++) {
    u -= weights[k]!
    if (u < 0) return k
  }
  return weights.length - 1
}

/**
 * A spanning tree chosen privately as in MST (McKenna, Miklau and Sheldon 2021, Sec. 4): Kruskal's loop where each of
 * the n - 1 steps picks, by the exponential mechanism at `epsilonPerEdge`, one edge joining two components, scored
 * by `score` of the given sensitivity. By sequential composition it is (n - 1)·epsilonPerEdge-DP; as epsilon grows
 * it becomes the maximum spanning tree.
 */
export function privateSpanningTree(
  n: number,
  score: (i: number, j: number) => number,
  epsilonPerEdge: number,
  sensitivity: number,
  random: RandomSource,
): Edge[] {
  const scored = allEdges(n).map((e) => ({ ...e, s: score(e.i, e.j) }))
  const { find, join } = components(n)
  const tree: Edge[] = []
  while (tree.length < n - 1) {
    const candidates = scored.filter((e) => find(e.i) !== find(e.j))
    const pick =
      candidates[
        exponentialMechanism(
          candidates.map((e) => e.s),
          epsilonPerEdge,
          sensitivity,
          random,
        )
      ]!
    join(pick.i, pick.j)
    tree.push({ i: pick.i, j: pick.j })
  }
  return tree
}
