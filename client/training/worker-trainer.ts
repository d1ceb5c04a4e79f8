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
  TrainerPort,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from './trainer-port'
import type { WorkerReply, WorkerRequest, WorkerValue } from './worker-messages'

type Pending = {
  resolve(value: unknown): void
  reject(error: Error): void
  onProgress?: (progress: TrainProgress) => void
  onLoadProgress?: (fraction: number) => void
}

type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never

/** A `TrainerPort` whose work happens in the training Web Worker. */
export class WorkerTrainer implements TrainerPort {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #backend = 'starting'
  backendReason = ''

  constructor() {
    this.#worker = new Worker(new URL('./worker.ts', import.meta.url), {
      type: 'module',
      name: 'privx-training',
    })
    this.#worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => this.#receive(event.data))
    this.#worker.addEventListener('error', (event) => {
      for (const pending of this.#pending.values())
        pending.reject(new Error(`training worker failed: ${event.message}`))
      this.#pending.clear()
    })
  }

  get backend(): string {
    return this.#backend
  }

  async init(requested: BackendName | null): Promise<WorkerValue['init']> {
    const choice = (await this.#call({ type: 'init', requested })) as WorkerValue['init']
    this.#backend = choice.backend
    this.backendReason = choice.reason
    return choice
  }

  loadCsv(
    source: Blob | string,
    fileName: string,
    schema: TaskSchema,
    choices: CsvChoices,
    onProgress: (fraction: number) => void,
  ): Promise<CsvReport> {
    const file = typeof source === 'string' ? new Blob([source], { type: 'text/csv' }) : source
    return this.#call(
      { type: 'load-csv', file, fileName, schema, choices },
      undefined,
      onProgress,
    ) as Promise<CsvReport>
  }

  /** Keeps the loaded rows in this browser's IndexedDB for this task (only when the person asked). */
  saveCsv(taskId: string): Promise<null> {
    return this.#call({ type: 'save-csv', taskId }) as Promise<null>
  }

  /** What is saved for this task (read with this schema), if anything. */
  savedCsv(taskId: string, schema: TaskSchema): Promise<SavedRowsInfo | null> {
    return this.#call({ type: 'saved-csv', taskId, schema }) as Promise<SavedRowsInfo | null>
  }

  /** Uses the saved rows as the loaded CSV; resolves with their report, or null when nothing usable is saved. */
  restoreCsv(taskId: string, schema: TaskSchema): Promise<CsvReport | null> {
    return this.#call({ type: 'restore-csv', taskId, schema }) as Promise<CsvReport | null>
  }

  forgetCsv(taskId: string): Promise<null> {
    return this.#call({ type: 'forget-csv', taskId }) as Promise<null>
  }

  prepare(task: TaskInfo, partition: Partition): Promise<PreparedData> {
    return this.#call({ type: 'prepare', task, partition }) as Promise<PreparedData>
  }

  train(
    request: TrainRequest,
    onProgress: (p: TrainProgress) => void,
    signal: AbortSignal,
  ): Promise<TrainResult> {
    if (signal.aborted) return Promise.reject(new DOMException('training aborted', 'AbortError'))
    const id = this.#nextId
    const done = this.#call({ type: 'train', request }, onProgress) as Promise<TrainResult>
    const abort = (): void => void this.#call({ type: 'abort', target: id }).catch(() => undefined)
    signal.addEventListener('abort', abort, { once: true })
    return done.finally(() => signal.removeEventListener('abort', abort))
  }

  heldOutRow(index: number): Promise<HeldOutRow | null> {
    return this.#call({ type: 'held-out-row', index }) as Promise<HeldOutRow | null>
  }

  evaluate(weights: Float32Array): Promise<EvaluationResult> {
    return this.#call({ type: 'evaluate', weights }) as Promise<EvaluationResult>
  }

  columnStatistics(epsilon: number): Promise<ColumnStatisticsReport['columns']> {
    return this.#call({ type: 'column-statistics', epsilon }) as Promise<ColumnStatisticsReport['columns']>
  }

  dispose(): void {
    this.#worker.terminate()
    for (const pending of this.#pending.values()) pending.reject(new Error('training worker stopped'))
    this.#pending.clear()
  }

  #call(
    body: RequestBody,
    onProgress?: (p: TrainProgress) => void,
    onLoadProgress?: (f: number) => void,
  ): Promise<unknown> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        resolve,
        reject,
        ...(onProgress ? { onProgress } : {}),
        ...(onLoadProgress ? { onLoadProgress } : {}),
      })
      this.#worker.postMessage({ ...body, id } as WorkerRequest)
    })
  }

  #receive(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id)
    if (!pending) return
    if (reply.type === 'progress') {
      pending.onProgress?.(reply.progress)
      return
    }
    if (reply.type === 'load-progress') {
      pending.onLoadProgress?.(reply.fraction)
      return
    }
    this.#pending.delete(reply.id)
    if (reply.type === 'result') pending.resolve(reply.value)
    else pending.reject(Object.assign(new Error(reply.message), { name: reply.name }))
  }
}
