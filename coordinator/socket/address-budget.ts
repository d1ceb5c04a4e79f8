import { RateLimiterMemory } from 'rate-limiter-flexible'
import type { Socket } from 'socket.io'
import { fail, type ProtocolError, type Result } from '../../shared/result'

/**
 * A per-address budget for one kind of costly, lasting work (a chain transaction is a block kept forever): new
 * accounts are free to make, so a per-connection or per-account limit alone would not hold.
 */
export class AddressBudget {
  readonly #limiter: RateLimiterMemory

  constructor(
    readonly perMinute: number,
    private readonly what: string,
  ) {
    this.#limiter = new RateLimiterMemory({ points: perMinute, duration: 60 })
  }

  /** Spends one unit for the socket's address; a refusal says how long to wait. */
  async take(socket: Socket): Promise<Result<never, ProtocolError> | null> {
    const address = socket.conn.remoteAddress ?? 'unknown'
    try {
      await this.#limiter.consume(address)
      return null
    } catch (refusal) {
      const wait = Math.ceil(((refusal as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000)
      return fail(
        'rate-limited',
        `more than ${this.perMinute} ${this.what} a minute from ${address}; retry in ${wait} s`,
      )
    }
  }
}
