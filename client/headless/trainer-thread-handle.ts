import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { NodeBackend } from '../training/backend-node'
import type { TrainProgress } from '../training/trainer-port'
import type {
  TrainerCall,
  TrainerThreadData,
  TrainerThreadReply,
  TrainerThreadRequest,
  TrainerThreadValue,
} from './trainer-thread-messages'

export type Pending = {
  resolve(value: unknown): void
  reject(error: Error): void
  onProgress?: ((progress: TrainProgress) => void) | undefined
  onLoadProgress?: ((fraction: number) => void) | undefined
}

/**
 * The temporary directory as this module loaded: a thread's tsx keeps its transform cache there, with this process's
 * own, even when TMPDIR was pointed elsewhere since (a run keeping its temporary files apart gets no cache among them).
 */
const TOOL_TMPDIR = tmpdir()

/**
 * The flags a thread running a .ts entry needs: tsx's loader, unless this process already has it (`npx tsx` puts it
 * in `execArgv`, which threads inherit: undefined keeps that, with every other flag). Under vitest, or `bin/privx.mjs` (tsx registered
 * from code, which threads do not inherit), it is added by absolute URL, so it resolves from any working directory.
 */
function threadExecArgv(): string[] | undefined {
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  const hasLoader = (arg: string): boolean => arg === loader || /[\\/]tsx[\\/]dist[\\/]loader\.mjs$/.test(arg)
  // Only the loader: Node refuses V8 and process flags (--max-old-space-size, --expose-gc, --title) given to a
  // thread explicitly, though it lets a thread inherit them; a run started with one must still start its threads.
  return process.execArgv.some(hasLoader) ? undefined : ['--import', loader]
}

/**
 * One worker thread of a `TrainerPool` and its pending requests. If the thread dies (an uncaught error, an exit,
 * running out of memory), every pending request and every later one rejects with `failure`, which names the thread
 * and the cause: a client never waits on a thread that is gone.
 */
export class TrainerThreadHandle {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #backend: string | null = null
  #failure: Error | null = null
  #closing = false
  /** Resolves once the thread's tfjs backend is active; rejects if it dies first. */
  readonly ready: Promise<void>

  constructor(
    readonly index: number,
    backend: NodeBackend,
    entry: URL,
    onFailure: (error: Error) => void,
  ) {
    const data: TrainerThreadData = { backend }
    this.#worker = new Worker(entry, {
      workerData: data,
      execArgv: threadExecArgv(),
      env: { ...process.env, TMPDIR: TOOL_TMPDIR },
      name: `privx-trainer-${index}`,
    })
    let started: () => void = () => {}
    let failedToStart: (error: Error) => void = () => {}
    this.ready = new Promise((resolve, reject) => {
      started = resolve
      failedToStart = reject
    })
    this.#worker.on('message', (reply: TrainerThreadReply) => {
      if (reply.type === 'ready') {
        this.#backend = reply.backend
        started()
      } else this.#receive(reply)
    })
    const fail = (cause: string): void => {
      if (this.#failure || this.#closing) return
      this.#failure = new Error(`training thread ${index} stopped: ${cause}`)
      for (const pending of this.#pending.values()) pending.reject(this.#failure)
      this.#pending.clear()
      failedToStart(this.#failure)
      onFailure(this.#failure)
    }
    this.#worker.on('error', (error) => fail(error instanceof Error ? error.message : String(error)))
    this.#worker.on('messageerror', (error) => fail(`unreadable message: ${error.message}`))
    this.#worker.on('exit', (code) => fail(`exited with code ${code}`))
  }

  /** The thread's tfjs backend, as a `TrainerPort` reports it (`node-wasm`); known once `ready` resolved. */
  get backend(): string {
    if (this.#backend === null) throw new Error(`training thread ${this.index} is not ready yet`)
    return this.#backend
  }

  get failure(): Error | null {
    return this.#failure
  }

  /**
   * Sends one request for client trainer `trainer`; `transfer` lists buffers handed over (the caller must not use
   * them afterwards).
   */
  call<T extends TrainerCall['type']>(
    trainer: number,
    body: Extract<TrainerCall, { type: T }>,
    transfer: ArrayBuffer[] = [],
    handlers: Pick<Pending, 'onProgress' | 'onLoadProgress'> = {},
  ): Promise<TrainerThreadValue[T]> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#closing) return Promise.reject(new Error(`training thread ${this.index} is closed`))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, ...handlers })
      this.#worker.postMessage({ ...body, id, trainer } as TrainerThreadRequest, transfer)
    })
  }

  /** The id the next `call` will carry (to address an abort to a training request). */
  get nextId(): number {
    return this.#nextId
  }

  /** Stops the thread; whatever is pending rejects as closed. */
  async close(): Promise<void> {
    this.#closing = true
    for (const pending of this.#pending.values())
      pending.reject(new Error(`training thread ${this.index} is closed`))
    this.#pending.clear()
    await this.#worker.terminate()
  }

  #receive(reply: Exclude<TrainerThreadReply, { type: 'ready' }>): void {
    const pending = this.#pending.get(reply.id)
    if (!pending) return
    switch (reply.type) {
      case 'progress':
        pending.onProgress?.(reply.progress)
        return
      case 'load-progress':
        pending.onLoadProgress?.(reply.fraction)
        return
      case 'result':
        this.#pending.delete(reply.id)
        pending.resolve(reply.value)
        return
      case 'error':
        this.#pending.delete(reply.id)
        pending.reject(Object.assign(new Error(reply.message), { name: reply.name }))
        return
      default: {
        const _exhaustive: never = reply
        throw new Error(`unknown trainer thread reply ${JSON.stringify(_exhaustive)}`)
      }
    }
  }
}
