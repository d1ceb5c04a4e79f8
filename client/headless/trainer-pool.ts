import { availableParallelism } from 'node:os'
import type { NodeBackend } from '../training/backend-node'
import { PooledTrainer } from './pooled-trainer'
import { TrainerThreadHandle } from './trainer-thread-handle'

/** How long a thread may take to load tfjs and ready its backend (about 2 s each on an idle core). */
const START_TIMEOUT_MS = 120_000

/** Threads a pool of `clients` clients gets by default: one per core, and never more than there are clients. */
export function defaultTrainerThreads(clients: number): number {
  return Math.max(1, Math.min(availableParallelism(), clients))
}

/**
 * Worker threads that train for Node clients, so clients in one process train on every core instead of taking
 * turns on one. Each client's socket and session stay in the main thread; only its `TrainerPort` moves. Clients are
 * pinned round-robin: client k trains in thread k mod n (its data and model live there), and clients sharing a
 * thread take turns on its tfjs engine. A trainer computes the same delta in any thread (same kernels, same seeded
 * shuffle), so a pooled run gives what an in-process run gives.
 *
 * A thread that dies makes its clients' calls reject, and `failure` (and `onFailure`) say which thread and why.
 */
export class TrainerPool {
  readonly #threads: TrainerThreadHandle[]
  #nextTrainer = 0
  #failure: Error | null = null

  private constructor(threads: TrainerThreadHandle[]) {
    this.#threads = threads
  }

  /**
   * Starts `size` threads and resolves once each has its tfjs backend ready; rejects (stopping them all) with the
   * reason when one cannot start. `entry` replaces the thread's script (tests use a failing one).
   */
  static async start(
    size: number,
    options: {
      readonly backend?: NodeBackend
      readonly entry?: URL
      readonly onFailure?: (error: Error) => void
    } = {},
  ): Promise<TrainerPool> {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`a trainer pool needs 1 thread or more, got ${size}`)
    const entry = options.entry ?? new URL('./trainer-thread.ts', import.meta.url)
    let pool: TrainerPool | null = null
    const failed = (error: Error): void => {
      if (!pool || pool.#failure) return
      pool.#failure = error
      options.onFailure?.(error)
    }
    const threads: TrainerThreadHandle[] = []
    try {
      for (let i = 0; i < size; i++)
        threads.push(new TrainerThreadHandle(i, options.backend ?? 'wasm', entry, failed))
    } catch (error) {
      // A thread that cannot even be created (a refused flag, no memory): the ones made already are stopped.
      await Promise.all(threads.map((t) => t.close()))
      throw error
    }
    pool = new TrainerPool(threads)
    let timer: ReturnType<typeof setTimeout> | undefined
    const slow = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`training threads did not start within ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      )
    })
    try {
      await Promise.race([Promise.all(threads.map((t) => t.ready)), slow])
    } catch (error) {
      await pool.close()
      throw error
    } finally {
      clearTimeout(timer)
    }
    return pool
  }

  get size(): number {
    return this.#threads.length
  }

  /** The first thread failure, if any: the run cannot finish as asked once a client's thread is gone. */
  get failure(): Error | null {
    return this.#failure
  }

  /** A trainer for one more client, pinned to the next thread in turn. */
  trainer(): PooledTrainer {
    const index = this.#nextTrainer++
    return new PooledTrainer(this.#threads[index % this.#threads.length]!, index)
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.close()))
  }
}
