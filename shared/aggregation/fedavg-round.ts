import { firstNonFinite } from '../codec'
import { fail, ok, type Result } from '../result'
import { FedAvgAccumulator } from './fedavg'
import {
  type AcceptedUpdate,
  checkPlainUpdate,
  type RoundAggregator,
  type RoundClose,
  type UpdateVerdict,
} from './round-aggregator'

/**
 * A round aggregated in the clear: streaming FedAvg (McMahan et al. 2017) over the deltas, or, in a DP round, the
 * sum of clipped and noised deltas over a fixed, data-independent denominator (DP-FedAvg, McMahan et al. 2018).
 * The outcome is the step to add to the global model. Memory: one model in float64, however many clients report.
 */
export class FedAvgRoundAggregator implements RoundAggregator<Float32Array, Float32Array> {
  #accumulator: FedAvgAccumulator | null
  readonly #counted = new Map<string, UpdateVerdict>()

  constructor(
    readonly length: number,
    /** DP-FedAvg's denominator (q times the ready clients); null for FedAvg's weighted mean. */
    private readonly denominator: number | null,
    /** True when the caller refused non-finite values before `add` (see `checkPlainUpdate`). */
    private readonly finiteChecked = false,
  ) {
    this.#accumulator = new FedAvgAccumulator(length)
  }

  add(update: AcceptedUpdate<Float32Array>): Result<null> {
    const accumulator = this.#accumulator
    if (!accumulator) return fail('invalid-state', 'this round is closed')
    const checked = checkPlainUpdate(update, this.length, this.finiteChecked)
    if (!checked.ok) return checked
    accumulator.add(update.payload, update.weight)
    this.#counted.set(update.id, { counted: true })
    return ok(null)
  }

  close(): Result<RoundClose<Float32Array>> {
    const accumulator = this.#accumulator
    this.#accumulator = null
    if (!accumulator || accumulator.count === 0)
      return fail('invalid-state', 'the round closed without updates')
    const step = this.denominator === null ? accumulator.mean() : accumulator.sumOver(this.denominator)
    const bad = firstNonFinite(step)
    if (bad !== -1) return fail('non-finite', `the aggregate is not finite (value ${bad} is ${step[bad]})`)
    return ok({ outcome: step, verdicts: this.#counted })
  }

  discard(): void {
    this.#accumulator = null
  }
}
