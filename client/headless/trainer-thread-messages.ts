import type { ColumnStatisticsReport, Partition, TaskInfo } from '../../shared/protocol'
import type { TaskSchema } from '../../shared/tasks/schema'
import type { CsvReport } from '../data/csv/csv-report'
import type { NodeBackend } from '../training/backend-node'
import type {
  CsvChoices,
  EvaluationResult,
  HeldOutRow,
  PreparedData,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from '../training/trainer-port'

/** What a trainer thread is started with (its `workerData`). */
export interface TrainerThreadData {
  readonly backend: NodeBackend
}

/**
 * Main thread to trainer thread. `id` is repeated by the reply; `trainer` names one client's `LocalTrainer` in that
 * thread (a client is pinned to one thread, where its rows and model live).
 */
export type TrainerThreadRequest = { readonly id: number; readonly trainer: number } & (
  | { type: 'load-csv'; text: string; fileName: string; schema: TaskSchema; choices: CsvChoices }
  | { type: 'prepare'; task: TaskInfo; partition: Partition }
  | { type: 'train'; request: TrainRequest }
  | { type: 'abort'; target: number }
  | { type: 'evaluate'; weights: Float32Array }
  | { type: 'held-out-row'; index: number }
  | { type: 'column-statistics'; epsilon: number }
  | { type: 'dispose' }
)

/** A request as one client's trainer writes it: the thread handle adds `id` and `trainer`. */
export type TrainerCall = TrainerThreadRequest extends infer R
  ? R extends TrainerThreadRequest
    ? Omit<R, 'id' | 'trainer'>
    : never
  : never

export type TrainerThreadValue = {
  'load-csv': CsvReport
  prepare: PreparedData
  train: TrainResult
  abort: null
  evaluate: EvaluationResult
  'held-out-row': HeldOutRow | null
  'column-statistics': ColumnStatisticsReport['columns']
  dispose: null
}

/** Trainer thread to main thread: `ready` once its tfjs backend is active, then one reply per request. */
export type TrainerThreadReply =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; value: TrainerThreadValue[keyof TrainerThreadValue] }
  | { type: 'error'; id: number; name: string; message: string }
  | { type: 'progress'; id: number; progress: TrainProgress }
  | { type: 'load-progress'; id: number; fraction: number }
