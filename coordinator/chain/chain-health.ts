import { ok, type Result } from '../../shared/result'
import type { StoreFault } from './chain-store'

/** Every check a verification can fail: a block's, the file's, the checkpoint's, or disk against memory. */
export type VerifyCheck = StoreFault['check'] | 'diverged'

/**
 * The chain's verification status, kept up to date as blocks are appended and answered without any work.
 * `verifiedAt`: the last check of any kind (a block verified as it was appended, or a full run);
 * `fullVerifiedAt`: the last full verification from genesis (at open, or `reverify`); null when the open started from
 * the state snapshot and no full verification has finished since. Milliseconds since the epoch.
 */
export type ChainHealth =
  | {
      readonly ok: true
      /** Blocks in the chain: the head is block `height - 1`. */
      readonly height: number
      /** The head block's hash. */
      readonly head: string
      readonly verifiedAt: number
      readonly fullVerifiedAt: number | null
    }
  | {
      readonly ok: false
      /** The block where the check failed. */
      readonly index: number
      readonly check: VerifyCheck
      readonly message: string
      readonly verifiedAt: number
      readonly fullVerifiedAt: number | null
    }

/** A full verification refused because one ran too recently; `retryAfterS` says when the next may start. */
export interface RateLimited {
  readonly code: 'rate-limited'
  readonly message: string
  readonly retryAfterS: number
}

/**
 * Admits expensive work at most once per `intervalMs` and one run at a time: a caller arriving while a run is under
 * way gets that run's promise; one arriving too soon after the last start gets a `rate-limited` refusal with the
 * seconds to wait. Time comes from `now`, so tests need no sleeps.
 */
export class SingleFlightGate<T> {
  #running: Promise<Result<T, RateLimited>> | null = null
  #lastStart = Number.NEGATIVE_INFINITY

  constructor(
    readonly intervalMs: number,
    readonly now: () => number,
    readonly what: string,
  ) {}

  run(work: () => Promise<T>): Promise<Result<T, RateLimited>> {
    if (this.#running) return this.#running
    const now = this.now()
    const waitMs = this.#lastStart + this.intervalMs - now
    if (waitMs > 0) {
      const retryAfterS = Math.ceil(waitMs / 1000)
      const every = Math.round(this.intervalMs / 1000)
      return Promise.resolve({
        ok: false,
        error: {
          code: 'rate-limited',
          message: `${this.what} runs at most once every ${every} s: try again in ${retryAfterS} s`,
          retryAfterS,
        },
      })
    }
    this.#lastStart = now
    const running = work()
      .then((value) => ok(value))
      .finally(() => {
        this.#running = null
      })
    this.#running = running
    return running
  }
}
