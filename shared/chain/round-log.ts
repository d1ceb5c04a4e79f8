import canonicalize from 'canonicalize'
import type { TrainingRound } from './training-round'

/** One buffer of records shared by every log version that reads a prefix of it, with its per-task positions. */
interface Shared {
  readonly records: TrainingRound[]
  readonly byTask: Map<string, number[]>
}

const sameRecord = (a: TrainingRound, b: TrainingRound): boolean =>
  a === b || canonicalize(a) === canonicalize(b)

/** The positions in `sorted` below `length` (binary search: positions are appended in increasing order). */
function below(sorted: readonly number[], length: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (sorted[mid]! < length) low = mid + 1
    else high = mid
  }
  return low
}

/**
 * The chain's training records as a persistent append-only log: every version is immutable, and appending does
 * not copy history. Versions share one buffer and each reads its own prefix of it; appending to the newest version
 * pushes onto the buffer (O(1)). Appending to an older version (a block produced and then dropped, or a verifier
 * replaying the block just produced) reuses the buffer's next record when it is the same record, and otherwise
 * copies the prefix once (a fork), so no version ever sees a record it did not append.
 *
 * It serializes (`toJSON`) as the plain array the state held before, so the explorer and snapshots see records.
 */
export class RoundLog implements Iterable<TrainingRound> {
  static readonly EMPTY = new RoundLog({ records: [], byTask: new Map() }, 0)

  readonly #shared: Shared
  readonly length: number

  private constructor(shared: Shared, length: number) {
    this.#shared = shared
    this.length = length
  }

  /** A log of its own (a new buffer) holding `records`. */
  static from(records: readonly TrainingRound[]): RoundLog {
    const byTask = new Map<string, number[]>()
    for (const [i, record] of records.entries()) {
      const positions = byTask.get(record.taskId)
      if (positions) positions.push(i)
      else byTask.set(record.taskId, [i])
    }
    return new RoundLog({ records: [...records], byTask }, records.length)
  }

  /** This log with `record` after its last one. */
  append(record: TrainingRound): RoundLog {
    // Every chain starts from EMPTY: its first record starts a buffer of its own, so chains never share one.
    if (this.length === 0) return RoundLog.from([record])
    const { records, byTask } = this.#shared
    if (records.length === this.length) {
      records.push(record)
      const positions = byTask.get(record.taskId)
      if (positions) positions.push(this.length)
      else byTask.set(record.taskId, [this.length])
      return new RoundLog(this.#shared, this.length + 1)
    }
    if (sameRecord(records[this.length]!, record)) return new RoundLog(this.#shared, this.length + 1)
    return RoundLog.from(records.slice(0, this.length)).append(record)
  }

  /** True when `other` is a prefix of this log held in the same buffer: the records after it are the only new ones. */
  extends(other: RoundLog): boolean {
    return other.#shared === this.#shared && other.length <= this.length
  }

  at(index: number): TrainingRound | undefined {
    const i = index < 0 ? this.length + index : index
    return i >= 0 && i < this.length ? this.#shared.records[i] : undefined
  }

  /** The records of one task, oldest first: O(its records), whatever the log's length. */
  forTask(taskId: string): TrainingRound[] {
    const positions = this.#shared.byTask.get(taskId) ?? []
    return positions.slice(0, below(positions, this.length)).map((i) => this.#shared.records[i]!)
  }

  /** The last record of one task, if any: O(log of its records). */
  lastOfTask(taskId: string): TrainingRound | null {
    const positions = this.#shared.byTask.get(taskId) ?? []
    const count = below(positions, this.length)
    return count === 0 ? null : this.#shared.records[positions[count - 1]!]!
  }

  /** Records `start` to `end` (negative counts from the end), as an array. */
  slice(start = 0, end = this.length): TrainingRound[] {
    const from = start < 0 ? Math.max(0, this.length + start) : Math.min(start, this.length)
    const to = end < 0 ? Math.max(0, this.length + end) : Math.min(end, this.length)
    return this.#shared.records.slice(from, Math.max(from, to))
  }

  toArray(): TrainingRound[] {
    return this.#shared.records.slice(0, this.length)
  }

  filter(keep: (record: TrainingRound) => boolean): TrainingRound[] {
    return this.toArray().filter(keep)
  }

  map<T>(f: (record: TrainingRound, index: number) => T): T[] {
    return this.toArray().map(f)
  }

  *[Symbol.iterator](): Iterator<TrainingRound> {
    for (let i = 0; i < this.length; i++) yield this.#shared.records[i]!
  }

  toJSON(): TrainingRound[] {
    return this.toArray()
  }
}
