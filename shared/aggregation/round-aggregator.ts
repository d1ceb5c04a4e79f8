import { firstNonFinite } from '../codec'
import { fail, ok, type Result } from '../result'

/** One accepted update as an aggregator takes it: whose it is, its weight, and what it carries. */
export interface AcceptedUpdate<Payload> {
  readonly id: string
  /** FedAvg weight: the examples behind it, or 1 in a DP round (summed over a fixed denominator). */
  readonly weight: number
  readonly payload: Payload
}

/** An update's value scaled from one figure to another: a norm clipped to the bound, a weight capped. */
export interface Scaled {
  readonly from: number
  readonly to: number
}

/**
 * What became of one update at close: counted, or left out with the reason (robust rules leave some out). The
 * optional fields are filled by the robust aggregator, so callers can record accepted, clipped and rejected updates:
 * - `weight`: its declared weight after the round's cap: what weighted rules (FedAvg, Multi-Krum's mean) count it
 *   with, and what rewards should be paid on; `capped` when the cap cut it.
 * - `clipped`: its L2 norm, scaled down to the round's norm bound.
 * - `score`: its contribution in [0, 1] (alignment with the round's aggregate step); 0 when not counted.
 * - `cause`: why it was left out, as a code: over the norm bound (the only malformed-or-out-of-bounds cause, the one
 *   a stake can be slashed for) or not selected by a distance-based rule such as Krum (no fault proven).
 */
export type UpdateVerdict =
  | {
      readonly counted: true
      readonly weight?: number
      readonly capped?: Scaled
      readonly clipped?: Scaled
      readonly score?: number
    }
  | {
      readonly counted: false
      readonly reason: string
      readonly cause?: 'over-bound' | 'not-selected'
      readonly score?: number
    }

export interface RoundClose<Outcome> {
  readonly outcome: Outcome
  readonly verdicts: ReadonlyMap<string, UpdateVerdict>
  /** Why the round departed from its rule (e.g. a Krum round with too few updates), for the event log. */
  readonly note?: string
}

/**
 * One round's aggregation rule, chosen when the round starts from its plan: FedAvg in the clear, the encrypted sum;
 * robust rules (coordinate-wise median, trimmed mean, Krum, centered clipping) and masked sums for secure
 * aggregation are further implementations of the same contract:
 * - `add` validates and folds one accepted update; a refusal leaves the round as it was (the caller tells the client).
 * - `close` gives the round's outcome and a verdict per added update, once; the aggregator is spent after it.
 * - `discard` frees whatever it holds (an abandoned or reset round); calling it twice, or after close, is harmless.
 * Each implementation states its memory bound: streaming rules hold one model whatever the number of clients;
 * rules that need every update (median, Krum) hold them all until close, in an `UpdateStore` (in memory, or past a
 * budget out of the JS heap), and say so.
 */
export interface RoundAggregator<Payload, Outcome> {
  add(update: AcceptedUpdate<Payload>): Result<null>
  close(): Result<RoundClose<Outcome>>
  discard(): void
}

/**
 * The checks every plaintext aggregator makes of an update before it holds it: its length, finite values, a weight.
 * `finiteChecked`: the caller already refused non-finite values (the coordinator's gateway does, before an update can
 * count), so the values are not scanned a second time; each update is scanned once.
 */
export function checkPlainUpdate(
  update: AcceptedUpdate<Float32Array>,
  length: number,
  finiteChecked = false,
): Result<null> {
  if (update.payload.length !== length)
    return fail('wrong-shape', `the delta has ${update.payload.length} values; the model has ${length}`)
  const bad = finiteChecked ? -1 : firstNonFinite(update.payload)
  if (bad !== -1)
    return fail('non-finite', `delta value ${bad} is ${update.payload[bad]}; updates must be finite`)
  if (!(update.weight > 0) || !Number.isFinite(update.weight))
    return fail('bad-payload', `weight ${update.weight} must be positive and finite`)
  return ok(null)
}
