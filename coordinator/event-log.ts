import type { EventEntry, Notice } from '../shared/protocol'

/** Longest entry kept: every entry goes into every live-page snapshot, so none may grow with what a peer sent. */
const MAX_TEXT = 1000

/** The coordinator's recent events (rejections, drops, abandoned rounds) for the live page, newest last. */
export class EventLog {
  readonly #entries: EventEntry[] = []

  constructor(
    private readonly capacity = 200,
    private readonly echo?: (entry: EventEntry) => void,
  ) {}

  add(level: Notice['level'], text: string, at = Date.now()): void {
    const entry = { at, level, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text }
    this.#entries.push(entry)
    if (this.#entries.length > this.capacity) this.#entries.splice(0, this.#entries.length - this.capacity)
    this.echo?.(entry)
  }

  clear(): void {
    this.#entries.length = 0
  }

  get entries(): readonly EventEntry[] {
    return this.#entries
  }
}
