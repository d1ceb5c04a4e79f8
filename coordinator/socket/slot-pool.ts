/**
 * A fixed number of slots handed out first come, first served. `acquire` resolves with a release function once a
 * slot is free, or with null when `waitMs` passes first; releasing twice is harmless.
 */
export class SlotPool {
  #free: number
  readonly #waiting: { grant: (release: () => void) => void }[] = []

  constructor(readonly size: number) {
    this.#free = size
  }

  get inUse(): number {
    return this.size - this.#free
  }

  get queued(): number {
    return this.#waiting.length
  }

  acquire(waitMs: number): Promise<(() => void) | null> {
    if (this.#free > 0) {
      this.#free--
      return Promise.resolve(this.#releaser())
    }
    return new Promise((resolve) => {
      const waiter = {
        grant: (release: () => void) => {
          clearTimeout(timer)
          resolve(release)
        },
      }
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(waiter)
        if (at !== -1) this.#waiting.splice(at, 1)
        resolve(null)
      }, waitMs)
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
