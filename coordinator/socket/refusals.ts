/**
 * Counts of everything the coordinator refused, by reason: protocol codes from acks (`bad-payload`,
 * `unauthorized`, `stale-round`, ...) and network-level ones (`origin`, `connections-per-address`,
 * `rate-limited`, `unknown-event`, `frame-too-large`, ...). The live page shows them; tests read them.
 */
export class RefusalCounter {
  readonly #counts = new Map<string, number>()
  #listener: (() => void) | null = null

  count(reason: string): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1)
    this.#listener?.()
  }

  get(reason: string): number {
    return this.#counts.get(reason) ?? 0
  }

  get total(): number {
    let n = 0
    for (const c of this.#counts.values()) n += c
    return n
  }

  /** Reason to count, largest first. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort((a, b) => b[1] - a[1]))
  }

  /** Called after every count (the live page coalesces its snapshots). */
  onChange(listener: () => void): void {
    this.#listener = listener
  }
}
