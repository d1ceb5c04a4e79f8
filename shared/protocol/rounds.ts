/** A round as the tabs see it: the global model, a round's start with its instructions, its end, the metrics. */
import type { Binary } from '../codec'
import type { ClassificationMetrics } from '../metrics/classification'
import type { ModelVersion } from '../model/version'
import type { EncryptionConfig, PrivacyConfig, TrainingConfig } from '../rounds/config'
import type { Phase, RoundPrivacy } from '../rounds/state'
import type { RoundEncryptionMessage } from './encryption'

export interface GlobalModelMessage {
  /** Aggregated rounds behind these weights (0 = the initial model). */
  readonly round: number
  readonly version: ModelVersion
  readonly weights: Binary
  /**
   * Under encryption: `weights` is the last model the coordinator saw in the clear, and the model at `version` is
   * reached by replaying the encrypted history (`client:replay`, in bounded parts): the latest checkpoint, if any,
   * then the aggregates after it, decrypted in order once the tab holds the key.
   */
  readonly replay?: EncryptedReplayInfo
}

/** What a late tab has to replay to reach the current model under encryption. */
export interface EncryptedReplayInfo {
  /** Round of the checkpoint the replay starts from; null: from the model in `weights`. */
  readonly checkpointRound: number | null
  /** Aggregates to apply after it. */
  readonly aggregates: number
}

/**
 * Where the task stands and what protects a tab's next upload: sent in the hello reply and to every tab whenever
 * it changes (a setting switched, a reset's new key, a stop), so no tab shows a mode that no longer applies.
 */
export interface TaskStateMessage {
  readonly phase: Phase
  /** Why training stopped on its own (the privacy budget), or null. */
  readonly stopped: string | null
  readonly encryption: { readonly mode: EncryptionConfig['mode']; readonly keyId: string | null }
  readonly privacy: {
    readonly mode: PrivacyConfig['mode']
    readonly exampleLevel: boolean
    readonly epsilonBudget: number
    /**
     * The numbers a tab holds the task to (`client/session/protection-floor.ts`): client-level noise multiplier,
     * delta, DP-SGD noise multiplier. Optional (added later): a tab learns a missing one from its first round.
     */
    readonly noiseMultiplier?: number
    readonly delta?: number
    readonly exampleNoiseMultiplier?: number
  }
}

export interface LocalTrainingSettings {
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly optimizer: TrainingConfig['optimizer']
  /** Example-level DP-SGD in the tab, when the task asks for it. */
  readonly dpSgd: {
    readonly clipNorm: number
    readonly noiseMultiplier: number
    readonly delta: number
  } | null
}

/** A DP round's instructions to its clients, and where the task's privacy stands. */
export interface RoundPrivacyMessage extends RoundPrivacy {
  readonly noiseMultiplier: number
  readonly sampleRate: number
  readonly delta: number
  /**
   * Epsilon of the released models once this round is aggregated (central, Poisson-subsampled): it holds against an
   * observer who does not see participation; the chain shows it, so against the public see `privacy/participation.ts`.
   */
  readonly epsilonAfterRound: number
  readonly epsilonBudget: number
}

export interface RoundStartMessage {
  readonly round: number
  readonly deadline: number
  /** Under encryption `weights` is empty: tabs train from the model they decrypted (`version` must match). */
  readonly model: GlobalModelMessage
  readonly settings: LocalTrainingSettings
  /** Set when the task trains with DP: clip and noise the delta before sending it. */
  readonly privacy: RoundPrivacyMessage | null
  /** Set when updates are encrypted: send `client:encrypted-update` instead of `client:update`. */
  readonly encryption: RoundEncryptionMessage | null
}

export interface RoundCancelMessage {
  readonly round: number
  readonly reason: string
}

export type GlobalMetrics = ClassificationMetrics & { readonly loss: number; readonly reports: number }

/** The federation-wide evaluation of one global model version, as it stands. */
export interface FederationMetricsMessage {
  readonly round: number
  readonly version: ModelVersion
  readonly metrics: GlobalMetrics
}

export interface TrainingFinishedMessage {
  readonly rounds: number
}
