/** Why `acquire` gave no slot: its wait ran out or was cancelled, or the queue was already at its bound. */
export type SlotRefusal = 'timeout' | 'cancelled' | 'queue-full'

/**
 * A fixed number of slots handed out first come, first served, with a bounded queue behind them (backpressure: a
 * request waits for a slot rather than being refused, and only a request past `maxQueued` waiting ones is turned
 * away at once). `acquire` resolves with a release function once a slot is free, or with the reason there is none;
 * releasing twice is harmless.
 */
export class SlotPool {
  #free: number
  readonly #waiting: { grant: (release: () => void) => void }[] = []

  constructor(
    readonly size: number,
    /** Requests that may wait at once; the next is refused with 'queue-full'. */
    readonly maxQueued = Number.POSITIVE_INFINITY,
  ) {
    this.#free = size
  }

  get inUse(): number {
    return this.size - this.#free
  }

  get queued(): number {
    return this.#waiting.length
  }

  /** Waits at most `waitMs` for a slot; `signal` ends the wait early (the asker left). */
  acquire(waitMs: number, signal?: AbortSignal): Promise<(() => void) | SlotRefusal> {
    if (this.#free > 0) {
      this.#free--
      return Promise.resolve(this.#releaser())
    }
    if (this.#waiting.length >= this.maxQueued) return Promise.resolve('queue-full')
    if (signal?.aborted) return Promise.resolve('cancelled')
    return new Promise((resolve) => {
      const leave = (reason: SlotRefusal) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', cancel)
        const at = this.#waiting.indexOf(waiter)
        if (at !== -1) this.#waiting.splice(at, 1)
        resolve(reason)
      }
      const cancel = () => leave('cancelled')
      const waiter = {
        grant: (release: () => void) => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', cancel)
          resolve(release)
        },
      }
      const timer = setTimeout(() => leave('timeout'), waitMs)
      signal?.addEventListener('abort', cancel, { once: true })
      this.#waiting.push(waiter)
    })
  }

  #releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#waiting.shift()
      if (next) next.grant(this.#releaser())
      else this.#free++
    }
  }
}
