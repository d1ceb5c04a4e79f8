import { expandSeed } from './prg'

/**
 * The communication graph of SecAgg+ (Bell et al. 2020: each client shares keys and masks only with its
 * k neighbours in a k-regular graph, so per-client cost grows with k = O(log n) rather than n). The graph is a
 * Harary graph H(k, n) (a ring where each position links to the k/2 nearest on each side, plus the opposite
 * position when k is odd) laid over the clients in an order drawn from a public 32-byte seed: the random labelling
 * Flower's SecAgg+ workflow also uses (a shuffled ring). Everyone derives the same graph from the seed, so a client
 * can check the neighbour list the server hands it. k = n - 1 gives the complete graph of plain SecAgg
 * (Bonawitz et al. 2017).
 */

/** A client's public number in one round: an integer from 1 to 2^32 - 1 (it orders pairs and enters key labels). */
export type ClientId = number

export const MAX_CLIENT_ID = 2 ** 32 - 1

export const isClientId = (value: unknown): value is ClientId =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_CLIENT_ID

/** Why a Harary graph of degree `k` on `n` vertices cannot be built, or null. */
export function graphProblem(n: number, k: number): string | null {
  if (!Number.isInteger(n) || n < 2) return `a graph needs at least 2 clients (got ${n})`
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    return `neighbours k must be an integer from 1 to n - 1 = ${n - 1} (got ${k})`
  }
  if (k % 2 === 1 && n % 2 === 1) {
    return `a k-regular graph with k = ${k} odd needs an even number of clients (got ${n}); use k = ${k + 1 <= n - 1 ? k + 1 : k - 1}`
  }
  return null
}

/** A uniform permutation of 0..n-1 (Fisher-Yates, unbiased by rejection sampling) from a ChaCha20 stream. */
function seededPermutation(n: number, seed: Uint8Array): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  let words = expandSeed(seed, 2 * n + 64, 'graph')
  let next = 0
  const draw = (bound: number): number => {
    // Reject the top sliver of 2^32 that would favour small values.
    const limit = 2 ** 32 - (2 ** 32 % bound)
    for (;;) {
      if (next === words.length) {
        words = expandSeed(seed, words.length * 2, 'graph').subarray(words.length)
        next = 0
      }
      const word = words[next++]!
      if (word < limit) return word % bound
    }
  }
  for (let i = n - 1; i > 0; i--) {
    const j = draw(i + 1)
    const held = order[i]!
    order[i] = order[j]!
    order[j] = held
  }
  return order
}

/**
 * Each client's neighbours (itself excluded), for the sorted distinct `clientIds`, degree `k` and public `seed`.
 * Symmetric: v is u's neighbour exactly when u is v's. Throws a RangeError on parameters `graphProblem` refuses.
 */
export function buildGraph(
  clientIds: readonly ClientId[],
  k: number,
  seed: Uint8Array,
): ReadonlyMap<ClientId, ReadonlySet<ClientId>> {
  const n = clientIds.length
  const problem = graphProblem(n, k)
  if (problem) throw new RangeError(problem)
  const order = seededPermutation(n, seed)
  const at = (position: number): ClientId => clientIds[order[((position % n) + n) % n]!]!
  const graph = new Map<ClientId, Set<ClientId>>()
  for (let position = 0; position < n; position++) {
    const links = new Set<ClientId>()
    for (let offset = 1; offset <= k >> 1; offset++) {
      links.add(at(position + offset))
      links.add(at(position - offset))
    }
    if (k % 2 === 1) links.add(at(position + n / 2))
    graph.set(at(position), links)
  }
  return graph
}
