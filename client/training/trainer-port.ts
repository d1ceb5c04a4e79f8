import type { ConfusionMatrix } from '../../shared/metrics/classification'
import type {
  ColumnStatisticsReport,
  LocalTrainingSettings,
  LocalTrainMetrics,
  Partition,
  TaskInfo,
} from '../../shared/protocol'
import type { TaskSchema } from '../../shared/tasks/schema'
import type { CsvReport } from '../data/csv/csv-report'
import type { CsvReadOptions } from '../data/csv/read-csv'

/** How to read a CSV: what `readCsv` takes, minus the callbacks (they cannot cross into a worker). */
export type CsvChoices = Pick<CsvReadOptions, 'delimiter' | 'decimal' | 'maxBytes'>

export interface PreparedData {
  readonly trainExamples: number
  readonly testExamples: number
  /** Share of each class in the training split, for display. */
  readonly classBalance: readonly number[]
}

export interface TrainRequest {
  /** The global weights to start from. */
  readonly weights: Float32Array
  readonly settings: LocalTrainingSettings
  /** DP-FedAvg: clip the delta to `clipNorm` and add N(0, noiseStd^2) per coordinate before it leaves the trainer. */
  readonly privacy?: { readonly clipNorm: number; readonly noiseStd: number } | null
}

export interface TrainProgress {
  /** Share of the round's local training done, 0 to 1. */
  readonly fraction: number
  readonly epoch: number
  readonly loss?: number | undefined
}

export interface TrainResult {
  /** Local weights minus the starting weights (clipped and noised when the request asked for DP). */
  readonly delta: Float32Array
  /** With DP: the delta's L2 norm before clipping, and whether it was clipped. */
  readonly clip?: { readonly norm: number; readonly clipped: boolean }
  readonly examples: number
  readonly metrics: LocalTrainMetrics
  readonly durationMs: number
}

export interface HeldOutRow {
  readonly index: number
  readonly count: number
  readonly features: readonly number[]
  readonly label: number
}

export interface EvaluationResult {
  readonly examples: number
  readonly lossSum: number
  readonly confusion: ConfusionMatrix
}

/**
 * The client core's view of local training, wherever it runs: in this thread (`LocalTrainer`, used by the Node
 * headless client) or in a Web Worker (`WorkerTrainer`, used by tabs so the page never freezes). Raw rows stay
 * behind this interface: only deltas, counts and metrics come out.
 */
export interface TrainerPort {
  readonly backend: string
  /**
   * Reads and checks a CSV against a task schema and keeps its valid rows here, for a later `prepare` of a CSV
   * task. Resolves with the report (problems included); the rows themselves never come out.
   */
  loadCsv(
    source: Blob | string,
    fileName: string,
    schema: TaskSchema,
    choices: CsvChoices,
    onProgress: (fraction: number) => void,
  ): Promise<CsvReport>
  /** Readies the model and the data: a demo partition is generated, a CSV task uses the rows `loadCsv` kept. */
  prepare(task: TaskInfo, partition: Partition): Promise<PreparedData>
  /** Trains from `request.weights`; rejects with an AbortError once `signal` aborts. */
  train(
    request: TrainRequest,
    onProgress: (progress: TrainProgress) => void,
    signal: AbortSignal,
  ): Promise<TrainResult>
  evaluate(weights: Float32Array): Promise<EvaluationResult>
  /**
   * One row of the held-out split as the model reads it (encoded features, and its label), for the tab's own page
   * (private inference): it stays in the tab.
   */
  heldOutRow(index: number): Promise<HeldOutRow | null>
  /** Local-DP column statistics of the loaded CSV rows, spending `epsilon` on them; only noised aggregates come out. */
  columnStatistics(epsilon: number): Promise<ColumnStatisticsReport['columns']>
  dispose(): void
}
