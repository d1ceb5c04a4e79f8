import { type ClientId, graphProblem, isClientId } from './graph'
import { quantizerProblem } from './quantization'
import { MAX_HOLDERS } from './shamir'

/**
 * The public parameters of one masked round, fixed by the server before round 0 and sent to every client, which
 * checks them (a client refuses a threshold that would let too few shares reveal its secrets).
 *
 * Share holders: each client splits its secrets among itself and its k neighbours (h = k + 1 holders; h = n for
 * plain SecAgg, as in Bonawitz et al. 2017 figure 4, where u keeps a share of its own secrets). Threshold t of
 * them reconstruct. The default and minimum t is a majority of holders, floor(h / 2) + 1, the rule this project
 * takes for the honest-but-curious setting (Bell et al. 2020 state theirs as a fraction of k, set from the
 * tolerated corruption and dropout rates): honest holders answer for a peer either its self-mask seed or its mask
 * key, never both, so two disjoint groups of holders would be needed to learn both, and two majorities always
 * overlap. t also bounds collusion: fewer than t colluding clients, even with the server, learn nothing of a
 * secret (Bonawitz et al. 2017, section 6, honest-but-curious: security for t > |C|).
 */
export interface SecAggParams {
  /** Distinct client ids, ascending: the clients sampled for the round. */
  readonly clientIds: readonly ClientId[]
  /** k: each client's neighbours; clientIds.length - 1 means the complete graph (plain SecAgg). */
  readonly neighbours: number
  /** t: shares that reconstruct a secret, among the k + 1 holders. */
  readonly threshold: number
  /** m: coordinates of the vector summed. */
  readonly vectorLength: number
  /** Coordinates are clipped to [-clamp, clamp] before quantization. */
  readonly clamp: number
  /** Quantization bits b: one client's integers lie in [-(2^(b-1) - 1), 2^(b-1) - 1]. */
  readonly bits: number
  /** Unique per round; bound into every derived key and every encrypted share. */
  readonly roundId: string
  /** 32 public random bytes that lay the graph out. */
  readonly graphSeed: Uint8Array
}

export const MAX_CLIENTS = 10_000
export const MAX_VECTOR_LENGTH = 2 ** 26
export const MAX_ROUND_ID_LENGTH = 128
export const DEFAULT_BITS = 16
export const DEFAULT_CLAMP = 1

/** Holders of each client's shares: its neighbours and itself. */
export const holderCount = (neighbours: number): number => neighbours + 1

/** The smallest threshold accepted, and the default: a majority of holders, floor((k + 1) / 2) + 1. */
export const minimumThreshold = (neighbours: number): number => Math.floor(holderCount(neighbours) / 2) + 1

/**
 * A neighbour count of order log n (Bell et al. 2020): the smallest even k >= 2 ceil(log2 n), or the
 * complete graph when that is not smaller. A heuristic, not Bell et al.'s bound: theirs depends on the tolerated
 * dropout and corruption rates, and the page shows k so people can raise it.
 */
export function suggestedNeighbours(clients: number): number {
  const k = 2 * Math.ceil(Math.log2(Math.max(2, clients)))
  return Math.min(k, clients - 1)
}

/** Every reason `params` are unusable, as one message each; empty when they are fine. */
export function paramsProblems(params: SecAggParams): string[] {
  const problems: string[] = []
  const { clientIds, neighbours, threshold, vectorLength, clamp, bits, roundId, graphSeed } = params
  if (!Array.isArray(clientIds) || clientIds.length < 2 || clientIds.length > MAX_CLIENTS) {
    return [`a masked round needs 2 to ${MAX_CLIENTS} clients (got ${clientIds?.length})`]
  }
  const n = clientIds.length
  if (!clientIds.every(isClientId)) problems.push('client ids must be integers from 1 to 2^32 - 1')
  else if (clientIds.some((id, i) => i > 0 && id <= clientIds[i - 1]!)) {
    problems.push('client ids must be distinct and in ascending order')
  }
  const graph = graphProblem(n, neighbours)
  if (graph) problems.push(graph)
  else if (holderCount(neighbours) > MAX_HOLDERS) {
    problems.push(
      `k + 1 = ${holderCount(neighbours)} share holders exceed the ${MAX_HOLDERS} that Shamir sharing over GF(2^8) allows: lower k (SecAgg+)`,
    )
  } else if (
    !Number.isInteger(threshold) ||
    threshold < minimumThreshold(neighbours) ||
    threshold > neighbours + 1
  ) {
    problems.push(
      `threshold t must be an integer from ${minimumThreshold(neighbours)} (a majority of the ${holderCount(neighbours)} holders) to ${holderCount(neighbours)} (got ${threshold})`,
    )
  }
  if (!Number.isInteger(vectorLength) || vectorLength < 1 || vectorLength > MAX_VECTOR_LENGTH) {
    problems.push(`vector length must be an integer from 1 to ${MAX_VECTOR_LENGTH} (got ${vectorLength})`)
  }
  const quantizer = quantizerProblem(clamp, bits, n)
  if (quantizer) problems.push(quantizer)
  if (typeof roundId !== 'string' || roundId.length < 1 || roundId.length > MAX_ROUND_ID_LENGTH) {
    problems.push(`round id must be text of 1 to ${MAX_ROUND_ID_LENGTH} characters`)
  }
  if (!(graphSeed instanceof Uint8Array) || graphSeed.length !== 32)
    problems.push('graph seed must be 32 bytes')
  return problems
}

/** The settings people choose; what is left out gets its default. */
export interface SecAggSettings {
  readonly neighbours?: number
  readonly threshold?: number
  readonly clamp?: number
  readonly bits?: number
}

/**
 * Parameters for a round over `clientIds` (any order; sorted here), with defaults: k from `suggestedNeighbours`,
 * t the majority of holders, 16 bits, clamp 1. Throws a RangeError listing every problem.
 */
export function planSecAggRound(
  clientIds: readonly ClientId[],
  vectorLength: number,
  roundId: string,
  graphSeed: Uint8Array,
  settings: SecAggSettings = {},
): SecAggParams {
  const sorted = [...clientIds].sort((a, b) => a - b)
  const neighbours = settings.neighbours ?? suggestedNeighbours(sorted.length)
  const params: SecAggParams = {
    clientIds: sorted,
    neighbours,
    threshold: settings.threshold ?? minimumThreshold(neighbours),
    vectorLength,
    clamp: settings.clamp ?? DEFAULT_CLAMP,
    bits: settings.bits ?? DEFAULT_BITS,
    roundId,
    graphSeed,
  }
  const problems = paramsProblems(params)
  if (problems.length > 0) throw new RangeError(`secure aggregation parameters: ${problems.join('; ')}`)
  return params
}
