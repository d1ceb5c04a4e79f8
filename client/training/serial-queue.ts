/**
 * Runs jobs one at a time, in order. The tfjs engine is a per-process singleton: clients that share one (several
 * headless clients in a Node process) take turns, so one client's training never interleaves with another's.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(job, job)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

/** The queue for this process's tfjs engine. */
export const engineQueue = new SerialQueue()
