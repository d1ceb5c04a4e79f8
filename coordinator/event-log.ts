import type { EventEntry, Notice } from '../shared/protocol'

/** Longest entry kept: every entry goes into every live-page snapshot, so none may grow with what a peer sent. */
const MAX_TEXT = 1000
const bounded = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text)

/**
 * The coordinator's recent events (rejections, drops, abandoned rounds) for the live page, newest last. An entry is
 * for the control token's holders unless written with `announce`: whoever writes a line naming a tab, its counts,
 * metrics or verdicts cannot publish it by mistake (`coordinator/task/snapshot-audience.ts` filters).
 */
export class EventLog {
  readonly #entries: EventEntry[] = []

  constructor(
    private readonly capacity = 200,
    private readonly echo?: (entry: EventEntry) => void,
  ) {}

  /** An entry for the control token's holders only. */
  add(level: Notice['level'], text: string, at = Date.now()): void {
    this.#push({ at, level, text: bounded(text) })
  }

  /** An entry anyone watching may read: it must name no tab and give no per-tab count, metric or verdict. */
  announce(level: Notice['level'], text: string, at = Date.now()): void {
    this.#push({ at, level, text: bounded(text), public: true })
  }

  #push(entry: EventEntry): void {
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
