import type { EventEntry, Notice } from '../shared/protocol'

/** The coordinator's recent events (rejections, drops, abandoned rounds) for the live page, newest last. */
export class EventLog {
  readonly #entries: EventEntry[] = []

  constructor(
    private readonly capacity = 200,
    private readonly echo?: (entry: EventEntry) => void,
  ) {}

  add(level: Notice['level'], text: string, at = Date.now()): void {
    const entry = { at, level, text }
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
