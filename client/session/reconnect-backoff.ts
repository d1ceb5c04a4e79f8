/** A connection that lasted this long with the tab joined counts as healthy: the next reconnect is prompt. */
export const HEALTHY_CONNECTION_MS = 30_000
const FIRST_DELAY_MS = 1_000
export const MAX_RECONNECT_DELAY_MS = 60_000

/**
 * How long a tab waits before reconnecting: 1 s after a healthy connection, then doubling (up to a minute) for each
 * connection in a row that dropped before it had joined and held for `HEALTHY_CONNECTION_MS`. A tab whose
 * connection keeps breaking (a coordinator that refuses it, a message it cannot read) then retries a few times a
 * minute instead of every second under a new name.
 */
export class ReconnectBackoff {
  #failures = 0
  #connectedAt: number | null = null
  #joinedAt: number | null = null

  connected(now: number): void {
    this.#connectedAt = now
    this.#joinedAt = null
  }

  joined(now: number): void {
    this.#joinedAt = now
  }

  /** On a disconnect: the delay before the next try, and how many short connections in a row there were. */
  disconnected(now: number): { delayMs: number; failures: number } {
    const healthy = this.#joinedAt !== null && now - this.#joinedAt >= HEALTHY_CONNECTION_MS
    this.#failures = healthy ? 0 : this.#failures + 1
    this.#connectedAt = null
    this.#joinedAt = null
    const delayMs = Math.min(MAX_RECONNECT_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, this.#failures - 1))
    return { delayMs, failures: this.#failures }
  }

  get connectedAt(): number | null {
    return this.#connectedAt
  }
}
