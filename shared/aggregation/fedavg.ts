/** One client's contribution: a vector (weights or a weight delta) and its weight, the client's example count. */
export interface WeightedUpdate {
  readonly values: Float32Array
  readonly weight: number
}

/**
 * Streaming FedAvg (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from Decentralized
 * Data", Algorithm 1): the mean of client vectors weighted by example count. Updates are folded into one running
 * sum as they arrive, so memory is one model (in float64, to keep the sum exact enough for thousands of clients)
 * however many clients report.
 */
export class FedAvgAccumulator {
  readonly #sum: Float64Array
  #totalWeight = 0
  #count = 0

  constructor(readonly length: number) {
    this.#sum = new Float64Array(length)
  }

  get count(): number {
    return this.#count
  }

  get totalWeight(): number {
    return this.#totalWeight
  }

  /** Adds one update. Callers validate at the edge; a wrong length or weight here is a programmer error. */
  add(values: Float32Array, weight: number): void {
    if (values.length !== this.length) {
      throw new Error(`FedAvg update has ${values.length} values, expected ${this.length}`)
    }
    if (!(weight > 0) || !Number.isFinite(weight))
      throw new Error(`FedAvg weight must be positive, got ${weight}`)
    const sum = this.#sum
    for (let i = 0; i < values.length; i++) sum[i]! += values[i]! * weight
    this.#totalWeight += weight
    this.#count++
  }

  /** The weighted sum of everything added so far, divided by `denominator` (DP-FedAvg's fixed denominator). */
  sumOver(denominator: number): Float32Array {
    if (!(denominator > 0)) throw new Error(`denominator must be positive, got ${denominator}`)
    return Float32Array.from(this.#sum, (v) => v / denominator)
  }

  /** The weighted mean of everything added so far. */
  mean(): Float32Array {
    if (this.#count === 0) throw new Error('FedAvg of no updates')
    const mean = new Float32Array(this.length)
    for (let i = 0; i < mean.length; i++) mean[i] = this.#sum[i]! / this.#totalWeight
    return mean
  }
}

/** FedAvg of a batch of updates (McMahan et al. 2017): weights averaged by each client's example count. */
export function fedAvg(updates: readonly WeightedUpdate[]): Float32Array {
  const first = updates[0]
  if (!first) throw new Error('FedAvg of no updates')
  const accumulator = new FedAvgAccumulator(first.values.length)
  for (const update of updates) accumulator.add(update.values, update.weight)
  return accumulator.mean()
}

/** `base + delta`, as a new array: applies an averaged update to the global model. */
export function applyDelta(base: Float32Array, delta: Float32Array): Float32Array {
  if (base.length !== delta.length)
    throw new Error(`delta has ${delta.length} values, model has ${base.length}`)
  const next = new Float32Array(base.length)
  for (let i = 0; i < base.length; i++) next[i] = base[i]! + delta[i]!
  return next
}
