import { randomBytes } from 'node:crypto'
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  budgetedUpdates,
  type UpdateStore,
  type UpdateStoreFactory,
} from '../../shared/aggregation/robust/update-store'

/** Spill files not yet deleted, removed when the process exits (a crash that skips `exit` leaves them in tmpdir). */
const live = new Set<string>()
let exitHookInstalled = false

function track(path: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const file of live) removeQuietly(file)
    })
  }
  live.add(path)
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone: nothing to free.
  }
}

/**
 * A round's updates in a temporary file (issue 17): each update is written at `add` (no copy on the JS heap), and
 * read back a span at a time, so a round of any size costs the rules' spans in memory. The file has a random name,
 * mode 0600 (updates are participants' data), and is deleted on `dispose` (the round closed or was discarded) or
 * when the process exits. Synchronous I/O: the aggregator's contract is synchronous, and one update's write or one
 * span's read is a bounded, page-cached step.
 */
export class SpilledUpdateStore implements UpdateStore {
  readonly path: string
  #fd: number | null
  #count = 0

  constructor(
    readonly length: number,
    directory: string = tmpdir(),
  ) {
    if (!Number.isInteger(length) || length < 1)
      throw new Error(`a spilled update store needs a positive length, got ${length}`)
    this.path = join(directory, `privx-round-${randomBytes(12).toString('hex')}.f32`)
    // 'wx+': created here, never an existing file (a name someone else planted), read and written.
    this.#fd = openSync(this.path, 'wx+', 0o600)
    track(this.path)
  }

  get count(): number {
    return this.#count
  }

  add(values: Float32Array): void {
    const fd = this.#open()
    if (values.length !== this.length)
      throw new Error(`a spilled update store of ${this.length} values was given ${values.length}`)
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    const position = this.#count * this.length * 4
    for (let done = 0; done < bytes.length; )
      done += writeSync(fd, bytes, done, bytes.length - done, position + done)
    this.#count++
  }

  read(index: number, start: number, end: number, into: Float32Array): void {
    const fd = this.#open()
    if (!(Number.isInteger(index) && index >= 0 && index < this.#count))
      throw new Error(`no update ${index} in this store (it holds ${this.#count})`)
    if (!(start >= 0 && start <= end && end <= this.length && into.length >= end - start))
      throw new Error(`cannot read values [${start}, ${end}) of ${this.length} into ${into.length}`)
    const bytes = new Uint8Array(into.buffer, into.byteOffset, (end - start) * 4)
    const position = (index * this.length + start) * 4
    for (let done = 0; done < bytes.length; ) {
      const read = readSync(fd, bytes, done, bytes.length - done, position + done)
      if (read === 0) throw new Error(`the spill file ${this.path} ended early (truncated by someone else?)`)
      done += read
    }
  }

  dispose(): void {
    const fd = this.#fd
    if (fd === null) return
    this.#fd = null
    closeSync(fd)
    removeQuietly(this.path)
    live.delete(this.path)
  }

  #open(): number {
    if (this.#fd === null) throw new Error('this spilled update store was disposed')
    return this.#fd
  }
}

/**
 * How many models' worth of updates a round keeps in memory before it spills: a burst of 100 updates then costs the
 * coordinator a few models (issue 17), not one per client.
 */
const BUDGET_MODELS = 4
/** The least memory a round keeps its updates in before it spills: 16 MiB, so small models (demo, tests) never do. */
const MIN_BUDGET_BYTES = 16 * 1024 * 1024

/**
 * The coordinator's update store for a robust round: in memory up to 4 models' bytes or 16 MiB, whichever is larger,
 * then in a temporary file in `directory`. Small models (the demo, tests) never spill.
 */
export function spillingUpdates(directory: string = tmpdir()): UpdateStoreFactory {
  return (length) => {
    const budget = Math.max(MIN_BUDGET_BYTES, BUDGET_MODELS * length * 4)
    return budgetedUpdates(budget, (n) => new SpilledUpdateStore(n, directory))(length)
  }
}
