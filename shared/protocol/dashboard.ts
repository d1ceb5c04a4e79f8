/** The live coordinator page (its own namespace): snapshots out; watching, control, configuration, task creation in. */
import { z } from 'zod'
import type { Block } from '../chain/block'
import type { Binary } from '../codec'
import type { HePresetName } from '../he/parameters'
import { taskIdSchema } from '../ids'
import type { ModelVersion } from '../model/version'
import { type PrivacyConfig, type TrainingConfig, trainingConfigPatchSchema } from '../rounds/config'
import type { ClientId, ClientStatus, Phase } from '../rounds/state'
import { csvTaskRequestSchema, taskStakeSchema } from '../tasks/csv-task'
import type { TaskSchema } from '../tasks/schema'
import type { Ack, EmptyRequest, Notice } from './base'
import type {
  BlockRequest,
  ChainVerification,
  ChainView,
  FundTaskRequest,
  ProofReply,
  ProofRequest,
} from './chain'
import type { GlobalMetrics } from './rounds'
import type { DashboardStatisticsRequest, FederatedStatistics } from './statistics'
import type { TaskInfo, TaskSummary } from './tasks'

/** Namespace of the live coordinator page; training clients use the default namespace. */
export const DASHBOARD_NAMESPACE = '/dashboard'

/** Which task this page details; snapshots follow it. */
export const watchSchema = z.object({ taskId: taskIdSchema })
export type WatchRequest = Readonly<z.infer<typeof watchSchema>>

export const controlSchema = z.object({ taskId: taskIdSchema, action: z.enum(['start', 'pause', 'reset']) })
export type ControlRequest = Readonly<z.infer<typeof controlSchema>>
export type ControlAction = ControlRequest['action']

export const configureSchema = z.object({ taskId: taskIdSchema, patch: trainingConfigPatchSchema })
export type ConfigureRequest = Readonly<z.infer<typeof configureSchema>>

/** A new task: from the built-in template, or from a schema (written, or drafted from a header line). */
export const createTaskSchema = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('template'),
    template: z.literal('demo-diabetes'),
    name: z.string().trim().min(1).max(100).optional(),
    model: z.enum(['mlp', 'logistic']),
    stake: taskStakeSchema.optional(),
  }),
  csvTaskRequestSchema.extend({ source: z.literal('schema') }),
])
/** What the page sends (defaults not yet applied, so `description` and `hidden` may be left out). */
export type CreateTaskRequest = z.input<typeof createTaskSchema>

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
  /**
   * Epsilon of the released models after this round (DP tasks), from the accountant, amplified by the sampling rate:
   * against an observer who does not see participation; null without DP.
   */
  readonly epsilon: number | null
  /** Under encryption: what the coordinator saw of the round (hashes and sizes, never values). */
  readonly encryption: {
    readonly preset: HePresetName
    readonly keyId: string
    readonly sumHash: string
    readonly bytesIn: number
    readonly bytesOut: number
  } | null
  /**
   * Per tab (plaintext rounds): what the round's rule made of its update, e.g. "clipped 12.4 → 4.1 · score 0.31".
   * Sent only to a page with the control token.
   */
  readonly verdicts?: Readonly<Record<string, string>>
}

export interface EventEntry {
  readonly at: number
  readonly level: Notice['level']
  readonly text: string
  /** Names no tab and no per-tab count: shown to a page without the control token. Absent: token holders only. */
  readonly public?: true
}

export interface DashboardSnapshot {
  readonly now: number
  readonly phase: Phase
  /** Why training stopped on its own (the privacy budget), or null. */
  readonly stopped: string | null
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
  /**
   * Each connected tab (who was sampled, its counts, metrics and epsilon); null on a page without the control token,
   * which sees only per-round aggregates (`round`, `history`, `task.clients`).
   */
  readonly clients: readonly ClientView[] | null
  /** The run this view's rounds belong to: 1, then one more after each reset (rounds count from 1 in each run). */
  readonly run: number
  /** This run's models, round 0 first. */
  readonly history: readonly RoundRecord[]
  /** The last runs before this one (a reset keeps them apart), newest last, each with its own rounds. */
  readonly earlierRuns: readonly { readonly run: number; readonly history: readonly RoundRecord[] }[]
  readonly abandoned: number
  readonly events: readonly EventEntry[]
  /** Blocks on the chain: the explorer refreshes when it grows. */
  readonly chainHeight: number
  /** What the coordinator refused, by reason (protocol codes and network limits), since it started. */
  readonly refusals: Readonly<Record<string, number>>
  /** The latest federated column statistics of a CSV task, if any were collected. */
  readonly statistics: FederatedStatistics | null
  /**
   * Where the task's privacy stands: the settings, the DP rounds run and the epsilon they spent, by observer
   * (`shared/privacy/participation.ts`): `epsilon` against one who sees only the released models (amplified by q);
   * `publicEpsilon` against the public, who sees participation on the chain: the most-sampled participant's
   * `maxParticipations` rounds at q = 1.
   */
  readonly privacy: PrivacyConfig & {
    readonly rounds: number
    readonly epsilon: number
    readonly publicEpsilon: number
    readonly maxParticipations: number
  }
  /** Where encryption stands: the key in use (never the key itself), how many tabs hold it, encrypted rounds. */
  readonly encryption: {
    readonly mode: 'off' | 'bfv' | 'ckks'
    readonly preset: HePresetName | null
    readonly keyId: string | null
    readonly holders: number
    readonly encryptedRounds: number
    /** Round of the latest encrypted checkpoint a late tab starts from (null: it replays from the clear model). */
    readonly checkpointRound: number | null
    /** Aggregates a late tab applies after that start. */
    readonly replayAggregates: number
    /** Whether the coordinator holds the current model in the clear (false after an encrypted round). */
    readonly modelInClear: boolean
  }
}

export interface DashboardClientEvents {
  'dashboard:chain': (request: EmptyRequest, ack: Ack<ChainView>) => void
  /** Mints tokens to the coordinator and puts them in a task's reward escrow (control token needed). */
  'dashboard:fund-task': (request: FundTaskRequest, ack: Ack<{ escrow: number }>) => void
  'dashboard:block': (request: BlockRequest, ack: Ack<Block>) => void
  /** The chain's verification as the coordinator keeps it (verified at start, then each block as it is added). */
  'dashboard:verify-chain': (request: EmptyRequest, ack: Ack<ChainVerification>) => void
  /** Re-verifies the whole chain from storage (control token; at most once a minute). */
  'dashboard:reverify-chain': (request: EmptyRequest, ack: Ack<ChainVerification>) => void
  'dashboard:proof': (request: ProofRequest, ack: Ack<ProofReply>) => void
  /** Which task this page details; snapshots follow it. */
  'dashboard:watch': (request: WatchRequest, ack: Ack<null>) => void
  'dashboard:control': (request: ControlRequest, ack: Ack<null>) => void
  'dashboard:configure': (request: ConfigureRequest, ack: Ack<TrainingConfig>) => void
  'dashboard:create-task': (request: CreateTaskRequest, ack: Ack<TaskSummary>) => void
  /** Asks the task's tabs for DP column statistics at this epsilon (per tab). */
  'dashboard:statistics': (request: DashboardStatisticsRequest, ack: Ack<string>) => void
  /** The task's global model in the clear, to take home (control token; refused after an encrypted round). */
  'dashboard:model': (request: WatchRequest, ack: Ack<ModelDownload>) => void
}

/** A task's global model as the coordinator holds it: its definition (model and schema), version and weights. */
export interface ModelDownload {
  readonly task: TaskInfo
  readonly round: number
  readonly version: string
  /** Float32 little-endian, in the order `tfjs-model.ts` writes them. */
  readonly weights: Binary
}

export interface DashboardServerEvents {
  'dashboard:snapshot': (snapshot: DashboardSnapshot) => void
}
