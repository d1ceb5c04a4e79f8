import type { ColumnStatisticsReport, Partition, TaskInfo } from '../../shared/protocol'
import type { TaskSchema } from '../../shared/tasks/schema'
import type { CsvReport } from '../data/csv/csv-report'
import type { SavedRowsInfo } from '../data/csv/saved-rows'
import type { BackendName } from './backend-choice'
import type {
  CsvChoices,
  EvaluationResult,
  HeldOutRow,
  PreparedData,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from './trainer-port'

/** Page to training worker. Each request carries an id its reply repeats. */
export type WorkerRequest =
  | { id: number; type: 'init'; requested: BackendName | null }
  | { id: number; type: 'load-csv'; file: Blob; fileName: string; schema: TaskSchema; choices: CsvChoices }
  | { id: number; type: 'save-csv'; taskId: string }
  | { id: number; type: 'saved-csv'; taskId: string; schema: TaskSchema }
  | { id: number; type: 'restore-csv'; taskId: string; schema: TaskSchema }
  | { id: number; type: 'forget-csv'; taskId: string }
  | { id: number; type: 'prepare'; task: TaskInfo; partition: Partition }
  | { id: number; type: 'train'; request: TrainRequest }
  | { id: number; type: 'abort'; target: number }
  | { id: number; type: 'evaluate'; weights: Float32Array }
  | { id: number; type: 'column-statistics'; epsilon: number }
  | { id: number; type: 'held-out-row'; index: number }

export type WorkerValue = {
  init: { backend: BackendName; reason: string }
  'load-csv': CsvReport
  'save-csv': null
  'saved-csv': SavedRowsInfo | null
  'restore-csv': CsvReport | null
  'forget-csv': null
  prepare: PreparedData
  train: TrainResult
  evaluate: EvaluationResult
  abort: null
  'column-statistics': ColumnStatisticsReport['columns']
  'held-out-row': HeldOutRow | null
}

/** Training worker to page. */
export type WorkerReply =
  | { id: number; type: 'result'; value: WorkerValue[keyof WorkerValue] }
  | { id: number; type: 'error'; name: string; message: string }
  | { id: number; type: 'progress'; progress: TrainProgress }
  | { id: number; type: 'load-progress'; fraction: number }
