import type { RejectReason } from '../chain/state'
import { ledgerEpsilon, type PrivacyLedger } from '../privacy/ledger'
import type { ProtocolError, Result } from '../result'
import type { TrainingConfig } from './config'

export type ClientId = string

/**
 * loading: connected, preparing its data. idle: ready, not in the current round. waiting: joined during a round,
 * takes part from the next one. training / submitted / dropped: its place in the current round.
 */
export type ClientStatus = 'loading' | 'idle' | 'waiting' | 'training' | 'submitted' | 'dropped'

export interface ClientRecord {
  readonly id: ClientId
  readonly backend: string
  /** Training examples the client declared when ready; an update may not claim more. */
  readonly examples: number
  readonly ready: boolean
  readonly status: ClientStatus
  /** Local training progress in the current round, 0 to 1. */
  readonly progress: number
  readonly joinedAt: number
  readonly lastSeen: number
}

/** How a DP round's clients protect their updates, fixed when the round starts. */
export interface RoundPrivacy {
  readonly mode: 'local' | 'distributed'
  readonly clipNorm: number
  /** Standard deviation of the Gaussian noise each client adds to every coordinate of its clipped delta. */
  readonly noiseStd: number
  /** The aggregate is the sum of updates divided by this (q times the ready clients): data-independent. */
  readonly denominator: number
}

/**
 * How a round's updates travel and are summed, fixed when it starts: in the clear (the coordinator sums deltas), or
 * encrypted under the task's key (it sums ciphertexts). Secure aggregation by masking is the next kind.
 */
export type RoundPlan = { readonly kind: 'plain' } | { readonly kind: 'encrypted'; readonly keyId: string }

/** What a participant's accepted update said of itself: the chain record and the live page read it. */
export interface ParticipantReport {
  /** Examples behind the update (its FedAvg weight), at most what the client declared when ready. */
  readonly examples: number
  /** The weight the examples bought: capped at the round's `maxWeight` (rewards; a DP round aggregates with 1). */
  readonly weight: number
  readonly updateHash: string
  /** The account the update was signed with (the reward goes there, even if the tab leaves before the round ends). */
  readonly address: string
  /** Its local training loss and accuracy; null when not sent (under DP a tab sends no training metrics). */
  readonly loss: number | null
  readonly accuracy: number | null
}

/**
 * A selected client's update that was refused before it could count, for a reason that says the update itself was
 * broken (the gateway checks length and finiteness after the sender's signature): it is recorded on the chain as
 * rejected, which slashes a staked participant (`SLASHABLE_REASONS`), and the client sits out the rest of the round.
 */
export interface RefusedUpdate {
  readonly reason: RejectReason
  /** Examples the client declared when it became ready (the update's claim is not trusted). */
  readonly examples: number
  readonly updateHash: string
  readonly address: string
  /** What was wrong, as told to the client. */
  readonly detail: string
}

/** Who holds the task's encryption key (tabs only): under encryption only they can take part in a round. */
export interface KeyHolders {
  readonly keyId: string | null
  readonly holders: ReadonlySet<ClientId>
}

export interface ActiveRound {
  readonly number: number
  readonly plan: RoundPlan
  readonly privacy: RoundPrivacy | null
  /** Epsilon of the released models once this round is aggregated (DP rounds), from the accountant. */
  readonly epsilonAfter: number | null
  readonly startedAt: number
  readonly deadline: number
  readonly selected: readonly ClientId[]
  /**
   * The most weight a declared example count buys this round: `robustness.weightCap` times the median count the
   * selected clients declared, so a claim of 1e9 examples weighs no more than a few honest tabs.
   */
  readonly maxWeight: number
  /** Accepted updates, by client. */
  readonly reported: ReadonlyMap<ClientId, ParticipantReport>
  /** Selected clients that left or missed the deadline, with the reason (a refused update's client too). */
  readonly dropped: ReadonlyMap<ClientId, string>
  /** Signed updates refused as broken (`RefusedUpdate`), by client; each is also in `dropped`. */
  readonly refused: ReadonlyMap<ClientId, RefusedUpdate>
}

export interface RoundOutcome {
  readonly round: number
  readonly status: 'completed' | 'abandoned'
  readonly selected: number
  readonly participants: readonly ClientId[]
  readonly examples: number
  readonly reason?: string
  readonly startedAt: number
  readonly endedAt: number
}

export interface RoundState {
  readonly config: TrainingConfig
  readonly running: boolean
  /** A pause asked for during a round: the round finishes, the next does not start. */
  readonly pauseRequested: boolean
  /**
   * The run: 1 for a task's first, one more after each reset. Round numbers count within a run (a reset starts
   * again at round 1), so every view and the chain name a round by (run, round).
   */
  readonly run: number
  /** Aggregated rounds so far in this run: the round number of the current global model. */
  readonly completedRounds: number
  /** Number the next round will get. Abandoned rounds use a number too, so numbers never repeat within a run. */
  readonly nextRound: number
  readonly round: ActiveRound | null
  readonly clients: ReadonlyMap<ClientId, ClientRecord>
  readonly outcomes: readonly RoundOutcome[]
  /** DP rounds run so far (every started DP round counts, aggregated or not: conservative). */
  readonly privacyLedger: PrivacyLedger
  /** The encryption key's custody, as the coordinator last reported it (`key-custody` inputs). */
  readonly keyHolders: KeyHolders
  /**
   * Why training stopped on its own before its last round (the privacy budget, a round its clients declined or the
   * coordinator refused); cleared by start, reset, and new privacy settings.
   */
  readonly stopped: string | null
  /**
   * The clients that declined a round since the last completed one (or the last start): training stops once the
   * ready clients outside them cannot make a quorum (`declinedStop`). Absent: none.
   */
  readonly decliners?: readonly ClientId[]
}

export type Phase = 'idle' | 'waiting' | 'training' | 'paused' | 'stopped' | 'finished'

export type Input =
  | { type: 'hello'; now: number; id: ClientId; backend: string }
  | { type: 'ready'; now: number; id: ClientId; examples: number }
  | { type: 'leave'; now: number; id: ClientId }
  | { type: 'progress'; now: number; id: ClientId; round: number; fraction: number }
  | ({ type: 'update'; now: number; id: ClientId; round: number } & Omit<ParticipantReport, 'weight'>)
  /** A signed update from `id` that the gateway refused as broken (`RefusedUpdate`); `error` is told to the client. */
  | ({ type: 'refused-update'; now: number; id: ClientId; round: number; error: ProtocolError } & Omit<
      RefusedUpdate,
      'examples' | 'detail'
    >)
  /** A selected client sits the round out, saying why (it refused the round's protection or budget): dropped at once. */
  | { type: 'decline'; now: number; id: ClientId; round: number; reason: string }
  /**
   * The coordinator cannot run the round that just started as planned (an encrypted round whose fixed-point plan
   * does not fit): it is abandoned with `reason`, and training stops until started again (with other settings).
   */
  | { type: 'refuse-round'; now: number; round: number; reason: string }
  /** The key's custody changed (a key made, confirmed by a tab, lost with the tabs that held it, dropped). */
  | { type: 'key-custody'; now: number; keyId: string | null; holders: readonly ClientId[] }
  | { type: 'tick'; now: number }
  | { type: 'start'; now: number }
  | { type: 'pause'; now: number }
  | { type: 'reset'; now: number }
  | { type: 'configure'; now: number; config: TrainingConfig }

export type Effect =
  /** The answer to the input that produced it (inputs that expect one: ready, update, controls). */
  | { type: 'ack'; result: Result<null, ProtocolError> }
  | {
      type: 'round-started'
      round: number
      plan: RoundPlan
      selected: readonly ClientId[]
      deadline: number
      privacy: RoundPrivacy | null
      epsilonAfter: number | null
      maxWeight: number
    }
  /** Fold this client's update into the round's aggregator, with this weight. */
  | { type: 'accumulate'; id: ClientId; round: number; examples: number; weight: number }
  | { type: 'client-dropped'; id: ClientId; round: number; reason: string }
  | {
      type: 'round-completed'
      round: number
      plan: RoundPlan
      privacy: RoundPrivacy | null
      epsilonAfter: number | null
      startedAt: number
      participants: readonly ClientId[]
      examples: number
      reports: ReadonlyMap<ClientId, ParticipantReport>
      refused: ReadonlyMap<ClientId, RefusedUpdate>
    }
  | { type: 'round-abandoned'; round: number; reason: string }
  | { type: 'training-finished'; completedRounds: number }
  /** The next DP round would push epsilon past the budget: training stopped before it. */
  | { type: 'budget-exhausted'; spent: number; next: number; budget: number }
  | { type: 'reset' }

export function initialRoundState(config: TrainingConfig): RoundState {
  return {
    config,
    running: false,
    pauseRequested: false,
    run: 1,
    completedRounds: 0,
    nextRound: 1,
    round: null,
    clients: new Map(),
    outcomes: [],
    privacyLedger: [],
    keyHolders: { keyId: null, holders: new Set() },
    stopped: null,
  }
}

export function phaseOf(state: RoundState): Phase {
  if (state.round) return 'training'
  if (state.running) return 'waiting'
  if (state.completedRounds >= state.config.rounds) return 'finished'
  if (state.stopped) return 'stopped'
  return state.completedRounds === 0 && state.outcomes.length === 0 ? 'idle' : 'paused'
}

export function readyClients(state: RoundState): ClientRecord[] {
  return [...state.clients.values()].filter((client) => client.ready)
}

/** Epsilon of the released models so far (every started DP round counted), from the RDP accountant. */
export function releasedEpsilon(state: RoundState): number {
  return ledgerEpsilon(state.privacyLedger, state.config.privacy.delta)
}
