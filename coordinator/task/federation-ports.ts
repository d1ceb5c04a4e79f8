import type { RejectReason, RoundParticipant } from '../../shared/chain/state'
import type { HeContextCache } from '../../shared/he/context-cache'
import type { ServerToClientEvents, TaskInfo } from '../../shared/protocol'
import type { RandomSource } from '../../shared/random'
import type { ProtocolError } from '../../shared/result'
import type { TrainingConfig } from '../../shared/rounds/config'
import type { ClientId } from '../../shared/rounds/state'
import type { EventLog } from '../event-log'

/** How the federation reaches clients; the socket layer implements it. */
export interface FederationOutbox {
  toClient<E extends keyof ServerToClientEvents>(
    id: ClientId,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void
  toAll<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void
  /** Something the live page shows has changed. */
  changed(): void
}

export interface FederationOptions {
  readonly task: TaskInfo
  readonly config: TrainingConfig
  /** Samples clients each round; production passes `secureRandom`. */
  readonly random: RandomSource
  /** Seeds the initial weights; a reset draws a new seed from `random`. */
  readonly seed: number
  readonly now?: () => number
  readonly log?: EventLog
  /** Called with every aggregated round, before it is announced (the chain records it). */
  readonly onAggregated?: (round: AggregatedRound) => void
  /** Start from a recorded model (after a restart) instead of fresh weights. */
  /** The recorded model a restarted task goes on from: its run and round (`RoundState.run`) and weights. */
  readonly resume?: { readonly run: number; readonly round: number; readonly weights: Float32Array }
  /** SEAL contexts for encrypted aggregation; without them encryption cannot be switched on. */
  readonly he?: HeContextCache
  /** Encrypted aggregates between the checkpoints late tabs replay from (default `CHECKPOINT_EVERY`). */
  readonly checkpointEvery?: number
  /** Called when the task has aggregated all its rounds. */
  readonly onFinished?: (rounds: number) => void
}

/** What the chain records of an aggregated round. `round` is the new model's round number within run `run`. */
export interface AggregatedRound {
  readonly taskId: string
  readonly run: number
  readonly round: number
  readonly modelBefore: string
  readonly modelAfter: string
  /** The new weights; null under encryption (the coordinator never sees them). */
  readonly weights: Float32Array | null
  readonly homomorphic: boolean
  /** Who the round pays, as the chain records them (`RoundParticipant`), with the client each was in this run. */
  readonly participants: readonly (RoundParticipant & { readonly clientId: ClientId })[]
  readonly metrics: { trainLoss: number | null; trainAccuracy: number | null }
  readonly privacy: Record<string, string | number | null>
  readonly rewardPerExample: number
}

export interface GlobalModel {
  readonly round: number
  readonly version: string
  readonly weights: Float32Array
  /** `weightsDigest(weights)`, computed once when the model is made (the chain and the model store use it). */
  readonly digest: string
}

/** What an update carries, as the gateway decoded it: a delta in the clear, or ciphertexts under the round's key. */
export type UpdatePayload =
  | { readonly kind: 'plain'; readonly delta: Float32Array }
  | { readonly kind: 'encrypted'; readonly keyId: string; readonly ciphertexts: readonly Uint8Array[] }

/**
 * A signed update the gateway refused as broken (wrong length, not finite, unreadable): `reason` goes on the chain,
 * `error` back to the tab.
 */
export interface GatewayRefusal {
  readonly round: number
  readonly updateHash: string
  readonly reason: RejectReason
  readonly error: ProtocolError
}

/** What every update says of itself besides its payload (the wire's update messages share these fields). */
export interface UpdateClaims {
  readonly round: number
  readonly baseVersion: string
  readonly examples: number
  /** Local training loss and accuracy; absent under DP (tabs send none, README "What leaves a tab"). */
  readonly metrics?: { readonly loss: number; readonly accuracy: number }
}
