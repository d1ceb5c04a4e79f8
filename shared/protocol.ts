/**
 * The socket.io wire, typed once for both ends. Server: `Server<ClientToServerEvents, ServerToClientEvents>`;
 * client: `Socket<ServerToClientEvents, ClientToServerEvents>` (the generics are reversed). Every payload the
 * coordinator receives is checked by the schemas in `guards.ts` before use; acks carry `Result` values.
 * Weights and deltas travel as bytes (`codec.ts`), never as JSON arrays.
 */
import type { Block, BlockHeader, InclusionProof } from './chain/block'
import type { TrainingRound } from './chain/state'
import type { SignedTransaction } from './chain/transaction'
import type { Binary } from './codec'
import type { HePresetName } from './he/parameters'
import type { IdentityProof, JoinChallenge } from './identity/proof'
import type { MarketClientEvents, MarketServerEvents } from './market/protocol'
import type { ClassificationMetrics, ConfusionMatrix } from './metrics/classification'
import type { ModelSpec } from './model/spec'
import type { ModelVersion } from './model/version'
import type { ProtocolError, Result } from './result'
import type { PrivacyConfig, TrainingConfig, TrainingConfigPatch } from './rounds/config'
import type { ClientId, ClientStatus, Phase, RoundPrivacy } from './rounds/state'
import type { CsvTaskRequest } from './tasks/csv-task'
import type { TaskSchema } from './tasks/schema'

export const PROTOCOL_VERSION = 1

/** Namespace of the live coordinator page; training clients use the default namespace. */
export const DASHBOARD_NAMESPACE = '/dashboard'

export type Ack<T> = (result: Result<T, ProtocolError>) => void

/** What a tab trains on: the model and where its examples come from. */
export interface TaskInfo {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly features: readonly string[]
  readonly classNames: readonly string[]
  readonly model: ModelSpec
  /**
   * Where a tab's rows come from: built-in generated data (each tab generates its own partition locally from the
   * seed), or a CSV the person picks in the tab, read with this schema.
   */
  readonly dataset:
    | { readonly kind: 'demo-diabetes'; readonly seed: number }
    | { readonly kind: 'csv'; readonly schema: TaskSchema }
}

/** The tab's share of a built-in dataset: which partition to generate. */
export interface Partition {
  readonly index: number
  readonly seed: number
}

export interface GlobalModelMessage {
  /** Aggregated rounds behind these weights (0 = the initial model). */
  readonly round: number
  readonly version: ModelVersion
  readonly weights: Binary
  /**
   * Under encryption: `weights` is the last model the coordinator saw in the clear, and these encrypted aggregates,
   * applied in order by a key holder, lead from it to `version`.
   */
  readonly encrypted?: readonly EncryptedAggregateMessage[]
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

export interface HelloRequest {
  readonly protocol: number
  readonly backend: string
  /** The task to join (from `client:tasks`). */
  readonly taskId: string
  /** The tab's Ed25519 public key (hex): its account on the chain; it signs every update. */
  readonly publicKey: string
  /**
   * The tab's P-256 public key (65 bytes) for end-to-end key envelopes: another tab seals the task's HE secret key
   * to it, and the coordinator relays bytes it cannot open.
   */
  readonly envelopeKey?: Binary
  /** The account key's signature of this connection's challenge for `taskId` (`client:challenge` first). */
  readonly proof: IdentityProof
}

/** A task as lists show it: what it is and how its training stands. */
export interface TaskSummary {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly source: TaskInfo['dataset']['kind']
  readonly model: string
  readonly parameters: number
  readonly clients: number
  readonly phase: Phase
  readonly completedRounds: number
  readonly rounds: number
}

export interface TaskListing {
  readonly task: TaskInfo
  readonly summary: TaskSummary
}

export interface HelloReply {
  readonly clientId: ClientId
  readonly task: TaskInfo
  readonly partition: Partition
  readonly model: GlobalModelMessage
  /** Largest message the coordinator accepts, in bytes. */
  readonly maxMessageBytes: number
  /** Largest frame sent without asking (`client:upload` first for larger ones). */
  readonly frameBytes: number
}

export interface ReadyRequest {
  readonly trainExamples: number
  readonly testExamples: number
}

export interface ProgressReport {
  readonly round: number
  /** Share of this round's local training done, 0 to 1. */
  readonly fraction: number
  readonly epoch: number
  readonly loss?: number | undefined
}

export interface LocalTrainMetrics {
  readonly loss: number
  readonly accuracy: number
}

export interface UpdateMessage {
  readonly round: number
  /** Version of the global model the client trained from. */
  readonly baseVersion: ModelVersion
  /** Training examples behind this update: its FedAvg weight. */
  readonly examples: number
  /** Local weights minus the global weights, float32, in `weightShapes` order. */
  readonly delta: Binary
  readonly metrics: LocalTrainMetrics
  /** Ed25519 signature of { taskId, round, updateHash = SHA-256(delta bytes) } by the key given in hello. */
  readonly signature: string
}

/** An update under encryption: ciphertexts of the quantized, weighted delta, bound to the sender by signature. */
export interface EncryptedUpdateMessage {
  readonly round: number
  readonly baseVersion: ModelVersion
  readonly examples: number
  readonly keyId: string
  readonly ciphertexts: readonly Binary[]
  readonly metrics: LocalTrainMetrics
  /** Coordinates the clamp changed (reported: the coordinator cannot see them). */
  readonly clamped: number
  /** Ed25519 signature of { taskId, round, updateHash = SHA-256 of the ciphertexts concatenated }. */
  readonly signature: string
}

export interface KeyEnvelopeMessage {
  readonly senderPublicKey: Binary
  readonly iv: Binary
  readonly ciphertext: Binary
}

/** A private prediction: features encrypted under the tab's own inference key, evaluated by the model holder. */
export interface InferenceRequest {
  readonly taskId: string
  readonly keyId: string
  readonly relinKeys: Binary
  readonly galoisKeys: Binary
  readonly length: number
  readonly ciphertexts: readonly Binary[]
}

export interface InferenceReply {
  readonly modelVersion: ModelVersion
  readonly ciphertexts: readonly Binary[]
  readonly sigmoid: string
}

/** A tab's evaluation of one global model on its held-out split: counts, so sums are exact. */
export interface EvaluationReport {
  readonly version: ModelVersion
  readonly examples: number
  readonly lossSum: number
  readonly confusion: ConfusionMatrix
}

/** A DP round's instructions to its clients, and where the task's privacy stands. */
export interface RoundPrivacyMessage extends RoundPrivacy {
  readonly noiseMultiplier: number
  readonly sampleRate: number
  readonly delta: number
  /** Epsilon of the released models once this round is aggregated (central, Poisson-subsampled). */
  readonly epsilonAfterRound: number
  readonly epsilonBudget: number
}

/** How a round's updates are encrypted: the tab quantizes (BFV), encrypts under `keyId` and uploads ciphertexts. */
export interface RoundEncryptionMessage {
  readonly keyId: string
  readonly preset: HePresetName
  /** BFV fixed-point bits (`planQuantization`); 0 for CKKS. */
  readonly fractionBits: number
  /** Each coordinate is clamped to [-clamp, clamp] before encoding. */
  readonly clamp: number
  /** FedAvg weighs an update by its examples; a DP round by 1 (the sum goes over a fixed denominator). */
  readonly weighting: 'examples' | 'unit'
  readonly maxWeight: number
}

/** An encrypted sum of updates: what every key-holding tab decrypts to move to the next global model. */
export interface EncryptedAggregateMessage {
  /** Round of the model this aggregate produces, and its version (a hash over the ciphertexts). */
  readonly round: number
  readonly version: ModelVersion
  readonly previousVersion: ModelVersion
  readonly keyId: string
  readonly preset: HePresetName
  readonly fractionBits: number
  /** The average is the decrypted sum over this: examples summed (FedAvg) or the DP denominator. */
  readonly totalWeight: number
  readonly participants: number
  readonly length: number
  readonly ciphertexts: readonly Binary[]
  readonly sumHash: string
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

export interface Notice {
  readonly level: 'info' | 'warning' | 'error'
  readonly text: string
}

/** Asks every tab of a CSV task for local-DP column statistics (numeric columns, encoded to [-1, 1]). */
export interface StatisticsRequest {
  readonly requestId: string
  readonly epsilon: number
}

/** A tab's noised count, sum and sum of squares per numeric column, in encoded units. */
export interface ColumnStatisticsReport {
  readonly requestId: string
  readonly columns: readonly {
    readonly name: string
    readonly count: number
    readonly sum: number
    readonly sumSquares: number
  }[]
}

/** The pooled result, in each column's own units, as the coordinator page shows it. */
export interface FederatedStatistics {
  readonly requestId: string
  readonly epsilon: number
  readonly requestedAt: number
  readonly reports: number
  readonly columns: readonly {
    readonly name: string
    readonly count: number
    readonly mean: number
    readonly std: number
  }[]
}

/** What a connection asks room for before sending a frame over the coordinator's base cap. */
export type UploadKind = 'update' | 'inference' | 'copy'

export interface UploadRequest {
  readonly kind: UploadKind
  /** The task of an update or a private prediction. */
  readonly taskId?: string
  /** Size of the largest frame about to be sent (one binary attachment). */
  readonly bytes: number
}

export interface UploadGrantMessage {
  /** This connection may send frames up to this size until its upload arrives or `expiresAt`. */
  readonly bytes: number
  readonly expiresAt: number
}

export interface ClientToServerEvents extends MarketClientEvents {
  /** A fresh challenge for this connection, to sign in `client:hello` (or a market model request). */
  'client:challenge': (request: Record<string, never>, ack: Ack<JoinChallenge>) => void
  /**
   * Room for one large frame (an update, a private prediction's keys, a sealed copy): answered once an upload slot
   * is free. Frames over the base cap (`HelloReply.frameBytes`) without a grant close the connection.
   */
  'client:upload': (request: UploadRequest, ack: Ack<UploadGrantMessage>) => void
  /** The tasks a tab can join, with their schemas (public), before it picks data or joins. */
  'client:tasks': (ack: Ack<readonly TaskListing[]>) => void
  'client:hello': (request: HelloRequest, ack: Ack<HelloReply>) => void
  'client:ready': (request: ReadyRequest, ack: Ack<null>) => void
  'client:progress': (report: ProgressReport) => void
  'client:update': (update: UpdateMessage, ack: Ack<null>) => void
  'client:evaluation': (report: EvaluationReport, ack: Ack<null>) => void
  'client:statistics': (report: ColumnStatisticsReport, ack: Ack<null>) => void
  /** A signed chain transaction from any participant; the ack says which block took it, or why it was refused. */
  'client:transaction': (tx: SignedTransaction, ack: Ack<{ txId: string; block: number }>) => void
  'client:account': (request: { address: string }, ack: Ack<AccountView>) => void
  'client:encrypted-update': (update: EncryptedUpdateMessage, ack: Ack<null>) => void
  /** The tab holds the task's HE key `keyId` (generated, or opened from an envelope). */
  'client:he-key': (request: { keyId: string }, ack: Ack<null>) => void
  /** A key holder's sealed copy of the secret key for `recipient`, to relay. */
  'client:he-envelope': (
    request: { keyId: string; recipient: string; envelope: KeyEnvelopeMessage },
    ack: Ack<null>,
  ) => void
  'client:infer': (request: InferenceRequest, ack: Ack<InferenceReply>) => void
}

export interface AccountView {
  readonly chainId: string
  readonly address: string
  readonly balance: number
  readonly nonce: number
  readonly faucetClaimed: boolean
  readonly faucetAmount: number
}

export interface ServerToClientEvents extends MarketServerEvents {
  'round:start': (message: RoundStartMessage) => void
  'round:cancel': (message: RoundCancelMessage) => void
  'model:global': (message: GlobalModelMessage) => void
  'federation:metrics': (message: FederationMetricsMessage) => void
  'training:finished': (message: { rounds: number }) => void
  'statistics:request': (request: StatisticsRequest) => void
  notice: (notice: Notice) => void
  /** Generate the task's HE key set (this tab was picked), then say `client:he-key`. */
  'he:key-generate': (request: { keyId: string; preset: HePresetName }) => void
  /** Seal the secret key of `keyId` to `recipientKey` (its envelope key) and send it back with `client:he-envelope`. */
  'he:key-share': (request: { keyId: string; recipient: string; recipientKey: Binary }) => void
  /** A sealed key from another tab, relayed: open it, then say `client:he-key`. */
  'he:key-envelope': (request: { keyId: string; preset: HePresetName; envelope: KeyEnvelopeMessage }) => void
  /** The encrypted sum of a round: decrypt, average, and move to the new global model. */
  'model:encrypted': (message: EncryptedAggregateMessage) => void
}

// The live coordinator page.

export type ControlAction = 'start' | 'pause' | 'reset'

export interface ClientView {
  readonly id: ClientId
  readonly backend: string
  readonly examples: number
  readonly status: ClientStatus
  readonly progress: number
  readonly lastUpdate: number
  readonly lastLoss: number | null
  readonly lastAccuracy: number | null
  /** Example-level (DP-SGD) epsilon of this tab's rows so far, from the accountant; null without DP-SGD. */
  readonly exampleEpsilon: number | null
  /** Whether the tab holds the task's encryption key (only key holders take part in encrypted rounds). */
  readonly holdsKey: boolean
}

/** One aggregated model version (round 0 is the initial model) and what is known of it. */
export interface RoundRecord {
  readonly round: number
  readonly version: ModelVersion
  readonly participants: number
  readonly examples: number
  readonly durationMs: number | null
  readonly completedAt: number
  /** Example-weighted mean of the participants' local training loss and accuracy. */
  readonly trainLoss: number | null
  readonly trainAccuracy: number | null
  readonly evaluation: GlobalMetrics | null
  /** Epsilon of the released models after this round (DP tasks), from the accountant; null without DP. */
  readonly epsilon: number | null
  /** Under encryption: what the coordinator saw of the round (hashes and sizes, never values). */
  readonly encryption: {
    readonly preset: HePresetName
    readonly keyId: string
    readonly sumHash: string
    readonly bytesIn: number
    readonly bytesOut: number
  } | null
}

export interface EventEntry {
  readonly at: number
  readonly level: Notice['level']
  readonly text: string
}

export interface DashboardSnapshot {
  readonly now: number
  readonly phase: Phase
  readonly canControl: boolean
  readonly config: TrainingConfig
  readonly task: TaskSummary & { readonly schema: TaskSchema | null }
  /** Every task on this coordinator; the snapshot details the one this page watches. */
  readonly tasks: readonly TaskSummary[]
  readonly model: { readonly round: number; readonly version: ModelVersion }
  readonly round: {
    readonly number: number
    readonly startedAt: number
    readonly deadline: number
    readonly selected: number
    readonly reported: number
    readonly dropped: number
  } | null
  readonly clients: readonly ClientView[]
  readonly history: readonly RoundRecord[]
  readonly abandoned: number
  readonly events: readonly EventEntry[]
  /** Blocks on the chain: the explorer refreshes when it grows. */
  readonly chainHeight: number
  /** What the coordinator refused, by reason (protocol codes and network limits), since it started. */
  readonly refusals: Readonly<Record<string, number>>
  /** The latest federated column statistics of a CSV task, if any were collected. */
  readonly statistics: FederatedStatistics | null
  /** Where the task's privacy stands: the settings, the DP rounds run and the epsilon they spent. */
  readonly privacy: PrivacyConfig & { readonly rounds: number; readonly epsilon: number }
  /** Where encryption stands: the key in use (never the key itself), how many tabs hold it, encrypted rounds. */
  readonly encryption: {
    readonly mode: 'off' | 'bfv' | 'ckks'
    readonly preset: HePresetName | null
    readonly keyId: string | null
    readonly holders: number
    readonly encryptedRounds: number
    /** Whether the coordinator holds the current model in the clear (false after an encrypted round). */
    readonly modelInClear: boolean
  }
}

/** A new task: from the built-in template, or from a schema (written, or drafted from a header line). */
export type CreateTaskRequest =
  | {
      readonly source: 'template'
      readonly template: 'demo-diabetes'
      readonly name?: string
      readonly model: 'mlp' | 'logistic'
    }
  | ({ readonly source: 'schema' } & CsvTaskRequest)

/** The chain as the explorer shows it: recent blocks, accounts, training records. */
export interface ChainView {
  readonly chainId: string
  readonly height: number
  readonly head: string
  readonly producer: string | null
  readonly supply: { readonly minted: number; readonly burned: number }
  readonly blocks: readonly {
    readonly index: number
    readonly hash: string
    readonly timestamp: number
    readonly types: readonly string[]
  }[]
  readonly accounts: readonly { readonly address: string; readonly balance: number; readonly nonce: number }[]
  readonly rounds: readonly TrainingRound[]
  readonly tasks: readonly {
    readonly taskId: string
    readonly name: string
    readonly escrow: number
    readonly rounds: number
  }[]
}

export interface DashboardClientEvents {
  'dashboard:chain': (request: Record<string, never>, ack: Ack<ChainView>) => void
  /** Mints tokens to the coordinator and puts them in a task's reward escrow (control token needed). */
  'dashboard:fund-task': (request: { taskId: string; amount: number }, ack: Ack<{ escrow: number }>) => void
  'dashboard:block': (request: { index: number }, ack: Ack<Block>) => void
  /** The chain's verification as the coordinator keeps it (verified at start, then each block as it is added). */
  'dashboard:verify-chain': (request: Record<string, never>, ack: Ack<ChainVerification>) => void
  /** Re-verifies the whole chain from storage (control token; at most once a minute). */
  'dashboard:reverify-chain': (request: Record<string, never>, ack: Ack<ChainVerification>) => void
  'dashboard:proof': (
    request: { txId: string },
    ack: Ack<{ proof: InclusionProof; block: BlockHeader; blockHash: string; valid: boolean }>,
  ) => void
  /** Which task this page details; snapshots follow it. */
  'dashboard:watch': (request: { taskId: string }, ack: Ack<null>) => void
  'dashboard:control': (request: { taskId: string; action: ControlAction }, ack: Ack<null>) => void
  'dashboard:configure': (
    request: { taskId: string; patch: TrainingConfigPatch },
    ack: Ack<TrainingConfig>,
  ) => void
  'dashboard:create-task': (request: CreateTaskRequest, ack: Ack<TaskSummary>) => void
  /** Asks the task's tabs for DP column statistics at this epsilon (per tab). */
  'dashboard:statistics': (request: { taskId: string; epsilon: number }, ack: Ack<string>) => void
}

export interface ChainVerification {
  readonly height: number
  readonly head: string
  /** When the last block was verified (ms since the epoch). */
  readonly verifiedAt: number
  /** When the whole chain was last verified from storage (at start, or a re-verification). */
  readonly fullVerifiedAt: number
}

export interface DashboardServerEvents {
  'dashboard:snapshot': (snapshot: DashboardSnapshot) => void
}
