import type { Json } from './encoding'
import type { Address } from './keys'

/* The training contract's record of one aggregated round, and its parts (kept apart from state.ts, which holds them
 * in a RoundLog, so the log needs no import of the state). */

/** What the coordinator decided about one update: counted as sent, counted after clipping, or not counted. */
export const UPDATE_VERDICTS = ['accepted', 'clipped', 'rejected'] as const
export type UpdateVerdict = (typeof UPDATE_VERDICTS)[number]

/**
 * Why an update was rejected. The first four say the update itself was broken or out of bounds, and forfeit a share
 * of a stake (`SLASHABLE_REASONS`); `outlier` (left out by a robust aggregator, e.g. Krum) does not: honest
 * updates on skewed data can be outliers.
 */
export const REJECT_REASONS = ['non-finite', 'wrong-length', 'malformed', 'over-bound', 'outlier'] as const
export type RejectReason = (typeof REJECT_REASONS)[number]
export const SLASHABLE_REASONS: readonly RejectReason[] = [
  'non-finite',
  'wrong-length',
  'malformed',
  'over-bound',
]

export interface RoundParticipant {
  readonly address: Address
  readonly updateHash: string
  /** The example count the participant declared. */
  readonly examples: number
  /** Absent (records from before verdicts): accepted. */
  readonly verdict?: UpdateVerdict
  /** With `rejected` only, and then required. */
  readonly reason?: RejectReason
  /** The weight the aggregation gave the update, in examples: the declared count after the task's cap. */
  readonly weight?: number
  /** The coordinator's contribution score of the update, 0 to 1. */
  readonly score?: number
}

/** A forfeit of part of a stake, with the verdict's reason: the tokens went to the task's escrow. */
export interface Slash {
  readonly round: number
  readonly address: Address
  readonly amount: number
  readonly reason: RejectReason
}

export interface TrainingRound {
  readonly taskId: string
  /** The chain's sequence number of this task's records. */
  readonly round: number
  /** The new model's round in the coordinator's run. */
  readonly modelRound: number
  /** The run it belongs to (a reset starts a new run, whose rounds count from 1); absent on records from before runs. */
  readonly run?: number
  readonly modelBefore: string
  readonly modelAfter: string
  readonly participants: readonly RoundParticipant[]
  readonly metrics: Json
  readonly privacy: Json
  readonly homomorphic: boolean
  readonly rewards: readonly { readonly address: Address; readonly amount: number }[]
  /** The stakes this round forfeited; absent when none (and on every record from before stakes). */
  readonly slashes?: readonly Slash[]
  /** Present (true) on the record that ended the task (its `lastRound`): every stake left was released. */
  readonly finished?: true
}
