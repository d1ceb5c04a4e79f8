import type { ColumnStatisticsReport, Partition, TaskInfo } from '../../shared/protocol'
import type { TaskSchema } from '../../shared/tasks/schema'
import type { CsvReport } from '../data/csv/csv-report'
import type {
  CsvChoices,
  EvaluationResult,
  HeldOutRow,
  PreparedData,
  TrainerPort,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from '../training/trainer-port'
import type { Pending, TrainerThreadHandle } from './trainer-thread-handle'
import type { TrainerCall, TrainerThreadValue } from './trainer-thread-messages'

/**
 * A `TrainerPort` whose `LocalTrainer` lives in one worker thread of a `TrainerPool`, always the same one (its rows,
 * model and shuffle state are there). Weights cross as transferred copies, so the caller's arrays stay usable; the
 * delta comes back transferred.
 */
export class PooledTrainer implements TrainerPort {
  #disposed = false

  constructor(
    private readonly thread: TrainerThreadHandle,
    /** This client's trainer in that thread. */
    private readonly id: number,
  ) {}

  get backend(): string {
    return this.thread.backend
  }

  async loadCsv(
    source: Blob | string,
    fileName: string,
    schema: TaskSchema,
    choices: CsvChoices,
    onProgress: (fraction: number) => void,
  ): Promise<CsvReport> {
    const text = typeof source === 'string' ? source : await source.text()
    return this.#call({ type: 'load-csv', text, fileName, schema, choices }, [], {
      onLoadProgress: onProgress,
    })
  }

  prepare(task: TaskInfo, partition: Partition): Promise<PreparedData> {
    return this.#call({ type: 'prepare', task, partition })
  }

  train(
    request: TrainRequest,
    onProgress: (progress: TrainProgress) => void,
    signal: AbortSignal,
  ): Promise<TrainResult> {
    if (signal.aborted) return Promise.reject(new DOMException('training aborted', 'AbortError'))
    const weights = request.weights.slice()
    const target = this.thread.nextId
    const done = this.#call({ type: 'train', request: { ...request, weights } }, [weights.buffer], {
      onProgress,
    })
    const abort = (): void => void this.#call({ type: 'abort', target }).catch(() => undefined)
    signal.addEventListener('abort', abort, { once: true })
    return done.finally(() => signal.removeEventListener('abort', abort))
  }

  evaluate(weights: Float32Array): Promise<EvaluationResult> {
    const copy = weights.slice()
    return this.#call({ type: 'evaluate', weights: copy }, [copy.buffer])
  }

  heldOutRow(index: number): Promise<HeldOutRow | null> {
    return this.#call({ type: 'held-out-row', index })
  }

  columnStatistics(epsilon: number): Promise<ColumnStatisticsReport['columns']> {
    return this.#call({ type: 'column-statistics', epsilon })
  }

  /** Releases this client's trainer in its thread (the thread itself belongs to the pool). */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    this.thread.call(this.id, { type: 'dispose' }).catch(() => undefined)
  }

  #call<T extends TrainerCall['type']>(
    body: Extract<TrainerCall, { type: T }>,
    transfer: ArrayBuffer[] = [],
    handlers: Pick<Pending, 'onProgress' | 'onLoadProgress'> = {},
  ): Promise<TrainerThreadValue[T]> {
    if (this.#disposed) return Promise.reject(new Error('this trainer was disposed'))
    return this.thread.call(this.id, body, transfer, handlers)
  }
}
