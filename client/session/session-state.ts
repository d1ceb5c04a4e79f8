import type { ClassificationMetrics } from '../../shared/metrics/classification'
import type { PrivacyLedger } from '../../shared/privacy/ledger'
import type { FederationMetricsMessage, Notice, TaskInfo, TaskStateMessage } from '../../shared/protocol'
import type { PreparedData } from '../training/trainer-port'
import type { KeySetView } from './envelope-key-set'
import type { EncryptionCost } from './tab-encryption'
import type { TabEnforcement } from './tab-enforcement'

export interface TabPrivacy {
  readonly mode: 'local' | 'distributed'
  readonly delta: number
  readonly epsilonBudget: number
  /**
   * Epsilon of the global models released so far (user-level), from the coordinator's accountant: amplified by the
   * sampling rate, so it holds only against an observer who does not see participation (only the released models).
   */
  readonly releasedEpsilon: number
  /**
   * This tab's epsilon against the public, who sees participation on the chain: each DP round it sent an update in
   * is one Gaussian release at q = 1 with the aggregate's noise multiplier (`shared/privacy/participation.ts`).
   */
  readonly publicEpsilon: number
  /** This tab's epsilon against the coordinator, from the noise on the updates it sent. */
  readonly ownEpsilon: number
  readonly updates: number
  readonly clippedUpdates: number
  readonly ledger: PrivacyLedger
}

export type SessionStatus =
  | 'connecting'
  | 'preparing'
  | 'idle'
  | 'finished'
  | 'training'
  | 'submitting'
  | 'disconnected'
  | 'failed'

/** What a tab shows of its encrypted rounds: the key it holds (its id, never its bytes) and the last round's cost. */
export interface TabEncryptionView {
  readonly keyId: string | null
  readonly preset: string | null
  readonly role: 'generated' | 'received' | null
  readonly encryptedRounds: number
  readonly last: (EncryptionCost & { readonly round: number }) | null
}

/** What protected one upload this tab sent: the round's own instructions, not the task's settings of the moment. */
export interface UploadProtection {
  readonly round: number
  /** The scheme and key the update was encrypted under; null: sent in the clear. */
  readonly encryption: { readonly preset: string; readonly keyId: string } | null
  /** Client-level DP on the update: clipped to `clipNorm`, Gaussian noise of std `noiseStd`; null: none. */
  readonly privacy: {
    readonly mode: 'local' | 'distributed'
    readonly clipNorm: number
    readonly noiseStd: number
  } | null
  /** Example-level DP-SGD in training: its noise multiplier; null: off. */
  readonly dpSgd: { readonly noiseMultiplier: number } | null
}

export interface SessionSnapshot {
  readonly status: SessionStatus
  readonly clientId: string | null
  readonly backend: string
  readonly task: TaskInfo | null
  readonly data: PreparedData | null
  /** Round this tab is training (or last trained) and its progress, 0 to 1. */
  readonly round: number | null
  readonly progress: number
  readonly deadline: number | null
  readonly roundsTrained: number
  /** The global model this tab holds: its round, version and the SHA-256 of its weights (`weightsDigest`). */
  readonly global: { readonly round: number; readonly version: string; readonly digest: string } | null
  /** The last local training: loss and accuracy on this tab's training split. */
  readonly lastTraining: { round: number; loss: number; accuracy: number; durationMs: number } | null
  /** The current global model scored on this tab's held-out split. */
  readonly localEvaluation: { version: string; metrics: ClassificationMetrics & { loss: number } } | null
  /** The federation-wide evaluation of the latest global model. */
  readonly federation: FederationMetricsMessage | null
  /** With DP: the task's epsilon for the released models, and this tab's own against the coordinator. */
  readonly privacy: TabPrivacy | null
  /** With DP-SGD: the example-level epsilon of this tab's rows, from its own steps. */
  readonly exampleLevel: {
    readonly epsilon: number
    readonly delta: number
    readonly rounds: number
    readonly ledger: PrivacyLedger
  } | null
  /**
   * This browser's totals across tasks, counted when each update is sent (`cumulative-privacy.ts`): user-level
   * epsilon against the coordinator and example-level epsilon, at the smallest delta; null before any DP update.
   */
  readonly cumulative: {
    readonly epsilon: number
    readonly exampleEpsilon: number
    readonly delta: number
    readonly sends: number
    readonly tasks: number
  } | null
  /** With encryption: the key this tab holds (its id, never its bytes) and what the last encrypted round cost. */
  readonly encryption: TabEncryptionView | null
  /** The task's phase and what protects the next upload, as the coordinator last said (`task:state`). */
  readonly taskState: TaskStateMessage | null
  /** What protected the last upload this tab sent. */
  readonly lastUpload: UploadProtection | null
  /** With encryption: the task's signed envelope keys as this tab was shown them, and their fingerprint. */
  readonly keySet: KeySetView | null
  /** What this tab enforces on its own: the least protection it sends under, refusals, its statistics budget. */
  readonly enforcement: TabEnforcement | null
  readonly notices: readonly (Notice & { at: number })[]
}

const MAX_NOTICES = 30

/**
 * A session's observable state: the snapshot every view renders, its listeners, and the notices (the last 30).
 * The session's modules change it only through `set` and `notice`; each change reaches every listener once.
 */
export class SessionState {
  #snapshot: SessionSnapshot
  #listeners = new Set<(snapshot: SessionSnapshot) => void>()
  /** The coordinator said the run is over; cleared by the next round or a reset. */
  finished = false

  constructor(backend: string) {
    this.#snapshot = {
      status: 'connecting',
      clientId: null,
      backend,
      task: null,
      data: null,
      round: null,
      progress: 0,
      deadline: null,
      roundsTrained: 0,
      global: null,
      lastTraining: null,
      localEvaluation: null,
      federation: null,
      privacy: null,
      exampleLevel: null,
      cumulative: null,
      encryption: null,
      taskState: null,
      lastUpload: null,
      enforcement: null,
      keySet: null,
      notices: [],
    }
  }

  get snapshot(): SessionSnapshot {
    return this.#snapshot
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (snapshot: SessionSnapshot) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  clearListeners(): void {
    this.#listeners.clear()
  }

  /** The status between rounds: idle, or finished once the coordinator said the run is over. */
  resting(): SessionStatus {
    return this.finished ? 'finished' : 'idle'
  }

  /** Applies `patch`, with a notice when `level` and `text` are given, and tells the listeners once. */
  set(patch: Partial<SessionSnapshot>, level?: Notice['level'], text?: string): void {
    this.#snapshot = { ...this.#snapshot, ...patch }
    if (level && text) {
      this.notice(level, text)
      return
    }
    for (const listener of this.#listeners) listener(this.#snapshot)
  }

  notice(level: Notice['level'], text: string): void {
    const notices = [...this.#snapshot.notices, { level, text, at: Date.now() }].slice(-MAX_NOTICES)
    this.set({ notices })
  }
}
