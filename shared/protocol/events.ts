/**
 * The socket.io event maps of the default namespace, from the concerns' own files. Server:
 * `Server<ClientToServerEvents, ServerToClientEvents>`; client: `Socket<ServerToClientEvents, ClientToServerEvents>`
 * (the generics are reversed). The coordinator page's maps are in `dashboard.ts`.
 */
import type { SignedTransaction } from '../chain/transaction'
import type { JoinChallenge } from '../identity/proof'
import type { Ack, EmptyRequest, Notice } from './base'
import type { AccountRequest, AccountView, TransactionReceipt } from './chain'
import type {
  CheckpointRequest,
  CheckpointUpload,
  CheckpointVerdictReport,
  EncryptedAggregateMessage,
  EncryptedCheckpointMessage,
  EncryptedUpdateMessage,
  EnvelopeKeySetMessage,
  HeEnvelopeRequest,
  HeKeyRequest,
  InferenceReply,
  InferenceRequest,
  KeyEnvelopeDelivery,
  KeyGenerateMessage,
  KeyShareMessage,
  ReplayChunk,
  ReplayRequest,
} from './encryption'
import type { HelloReply, HelloRequest, ReadyRequest } from './join'
import type { MarketClientEvents, MarketServerEvents } from './market'
import type {
  FederationMetricsMessage,
  GlobalModelMessage,
  RoundCancelMessage,
  RoundStartMessage,
  TaskStateMessage,
  TrainingFinishedMessage,
} from './rounds'
import type { ColumnStatisticsReport, StatisticsRequest } from './statistics'
import type { TaskListing } from './tasks'
import type { DeclineReport, EvaluationReport, ProgressReport, UpdateMessage } from './training'
import type { UploadGrantMessage, UploadRequest } from './uploads'

export interface ClientToServerEvents extends MarketClientEvents {
  /** A fresh challenge for this connection, to sign in `client:hello` (or a market model request). */
  'client:challenge': (request: EmptyRequest, ack: Ack<JoinChallenge>) => void
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
  /** A selected tab declines the round, with why (`declineSchema`). */
  'client:decline': (report: DeclineReport, ack: Ack<null>) => void
  'client:update': (update: UpdateMessage, ack: Ack<null>) => void
  'client:evaluation': (report: EvaluationReport, ack: Ack<null>) => void
  'client:statistics': (report: ColumnStatisticsReport, ack: Ack<null>) => void
  /** A signed chain transaction from any participant; the ack says which block took it, or why it was refused. */
  'client:transaction': (tx: SignedTransaction, ack: Ack<TransactionReceipt>) => void
  'client:account': (request: AccountRequest, ack: Ack<AccountView>) => void
  'client:encrypted-update': (update: EncryptedUpdateMessage, ack: Ack<null>) => void
  /** The tab holds the task's HE key `keyId` (generated, or opened from an envelope). */
  'client:he-key': (request: HeKeyRequest, ack: Ack<null>) => void
  /** A key holder's sealed copy of the secret key for `recipient`, to relay. */
  'client:he-envelope': (request: HeEnvelopeRequest, ack: Ack<null>) => void
  'client:infer': (request: InferenceRequest, ack: Ack<InferenceReply>) => void
  /** The next part of the encrypted history, for a tab catching up. */
  'client:replay': (request: ReplayRequest, ack: Ack<ReplayChunk>) => void
  /** A key holder's encrypted checkpoint, as asked by `he:checkpoint-request`. */
  'client:he-checkpoint': (upload: CheckpointUpload, ack: Ack<null>) => void
  /** A verifier's finding on another holder's checkpoint, as asked by `he:checkpoint-verify`. */
  'client:he-checkpoint-verdict': (report: CheckpointVerdictReport, ack: Ack<null>) => void
}

export interface ServerToClientEvents extends MarketServerEvents {
  'round:start': (message: RoundStartMessage) => void
  'round:cancel': (message: RoundCancelMessage) => void
  'model:global': (message: GlobalModelMessage) => void
  'federation:metrics': (message: FederationMetricsMessage) => void
  'training:finished': (message: TrainingFinishedMessage) => void
  'statistics:request': (request: StatisticsRequest) => void
  notice: (notice: Notice) => void
  /** Generate the task's HE key set (this tab was picked), then say `client:he-key`. */
  'he:key-generate': (request: KeyGenerateMessage) => void
  /** Seal the secret key of `keyId` to `recipientKey` (its envelope key) and send it back with `client:he-envelope`. */
  'he:key-share': (request: KeyShareMessage) => void
  /** The task's signed envelope keys changed: verify them, show their fingerprint (seal only to these). */
  'he:key-set': (set: EnvelopeKeySetMessage) => void
  /** A sealed key from another tab, relayed: open it, then say `client:he-key`. */
  'he:key-envelope': (request: KeyEnvelopeDelivery) => void
  /** The encrypted sum of a round: decrypt, average, and move to the new global model. */
  'model:encrypted': (message: EncryptedAggregateMessage) => void
  /** The task's phase and what protects the next upload changed. */
  'task:state': (state: TaskStateMessage) => void
  /** Encrypt the model held at `version` as a checkpoint (late tabs start from it), then `client:he-checkpoint`. */
  'he:checkpoint-request': (request: CheckpointRequest) => void
  /** Decrypt another holder's checkpoint, compare it with the model held at its version, then give the verdict. */
  'he:checkpoint-verify': (checkpoint: EncryptedCheckpointMessage) => void
}
