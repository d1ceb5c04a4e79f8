import type { Result } from '../result'

/** One accepted update as an aggregator takes it: whose it is, its weight, and what it carries. */
export interface AcceptedUpdate<Payload> {
  readonly id: string
  /** FedAvg weight: the examples behind it, or 1 in a DP round (summed over a fixed denominator). */
  readonly weight: number
  readonly payload: Payload
}

/** What became of one update at close: counted, or left out with the reason (robust rules leave some out). */
export type UpdateVerdict = { readonly counted: true } | { readonly counted: false; readonly reason: string }

export interface RoundClose<Outcome> {
  readonly outcome: Outcome
  readonly verdicts: ReadonlyMap<string, UpdateVerdict>
}

/**
 * One round's aggregation rule, chosen when the round starts from its plan: FedAvg in the clear, the encrypted sum;
 * robust rules (coordinate-wise median, trimmed mean, Krum, centered clipping) and masked sums for secure
 * aggregation are further implementations of the same contract:
 * - `add` validates and folds one accepted update; a refusal leaves the round as it was (the caller tells the client).
 * - `close` gives the round's outcome and a verdict per added update, once; the aggregator is spent after it.
 * - `discard` frees whatever it holds (an abandoned or reset round); calling it twice, or after close, is harmless.
 * Each implementation states its memory bound: streaming rules hold one model whatever the number of clients;
 * rules that need every update (median, Krum) hold one model per participant and say so.
 */
export interface RoundAggregator<Payload, Outcome> {
  add(update: AcceptedUpdate<Payload>): Result<null>
  close(): Result<RoundClose<Outcome>>
  discard(): void
}
