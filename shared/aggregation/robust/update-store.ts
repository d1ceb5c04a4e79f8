import type { Rows } from './rows'

/**
 * Where a robust round keeps its updates until it closes (issue 17): in memory, or, past a memory budget, somewhere
 * the coordinator provides (a file: coordinator/task/spilled-updates.ts). Updates are numbered in the order they
 * were added; the rules read them a span of coordinates at a time (`Rows`). Pure: an implementation that does I/O
 * lives outside shared/.
 */
export interface UpdateStore extends Rows {
  /**
   * Keeps one update of `length` values as update number `count` (before the call). The caller keeps its array:
   * a store that holds values in memory holds its own copy.
   */
  add(values: Float32Array): void
  /** Frees what the store holds (a file is deleted). Harmless twice; the store is spent after it. */
  dispose(): void
}

/** Makes the store for one round of updates of `length` values. */
export type UpdateStoreFactory = (length: number) => UpdateStore

function checkAdd(values: Float32Array, length: number, disposed: boolean): void {
  if (disposed) throw new Error('this update store was disposed')
  if (values.length !== length)
    throw new Error(`an update store of ${length} values was given ${values.length}`)
}

/** Every update in memory: one model per update. */
export class InMemoryUpdateStore implements UpdateStore {
  #updates: Float32Array[] | null = []

  constructor(readonly length: number) {}

  get count(): number {
    return this.#updates?.length ?? 0
  }

  add(values: Float32Array): void {
    checkAdd(values, this.length, this.#updates === null)
    // A copy: the round keeps the values until it closes, and the caller's array is not promised to stay as it is
    // (the gateway's is a view over the socket's receive buffer).
    this.#updates!.push(values.slice())
  }

  read(index: number, start: number, end: number, into: Float32Array): void {
    const update = this.#updates?.[index]
    if (!update) throw new Error(`no update ${index} in this store`)
    into.set(update.subarray(start, end))
  }

  dispose(): void {
    this.#updates = null
  }
}

export const inMemoryUpdates: UpdateStoreFactory = (length) => new InMemoryUpdateStore(length)

/**
 * Updates in memory while they fit in `budgetBytes`, the rest in the store `spill` makes (made at the first update
 * over the budget, so a round that fits makes none). A round then holds at most the budget in memory, however many
 * updates it takes.
 */
export function budgetedUpdates(budgetBytes: number, spill: UpdateStoreFactory): UpdateStoreFactory {
  if (!(budgetBytes >= 0)) throw new Error(`the memory budget must be non-negative, got ${budgetBytes}`)
  return (length) => new BudgetedUpdateStore(length, budgetBytes, spill)
}

class BudgetedUpdateStore implements UpdateStore {
  readonly #memory: InMemoryUpdateStore
  #spilled: UpdateStore | null = null
  /**
   * Updates that came after the spill store failed (a full disk, no file handles): kept in memory, after the
   * spilled ones, so an update the round counted is never lost; the memory bound is what gives way.
   */
  #overflow: InMemoryUpdateStore | null = null
  #disposed = false

  constructor(
    readonly length: number,
    private readonly budgetBytes: number,
    private readonly spill: UpdateStoreFactory,
  ) {
    this.#memory = new InMemoryUpdateStore(length)
  }

  get count(): number {
    return this.#memory.count + (this.#spilled?.count ?? 0) + (this.#overflow?.count ?? 0)
  }

  add(values: Float32Array): void {
    checkAdd(values, this.length, this.#disposed)
    // Once one update spilled, every later one does: indices past the memory part are the spilled store's.
    if (
      !this.#spilled &&
      !this.#overflow &&
      (this.#memory.count + 1) * values.byteLength <= this.budgetBytes
    ) {
      this.#memory.add(values)
      return
    }
    if (!this.#overflow) {
      try {
        this.#spilled ??= this.spill(this.length)
        this.#spilled.add(values)
        return
      } catch {
        // The spill store counts an update only once it is written, so nothing of this one is in it.
        this.#overflow = new InMemoryUpdateStore(this.length)
      }
    }
    this.#overflow.add(values)
  }

  read(index: number, start: number, end: number, into: Float32Array): void {
    const inMemory = this.#memory.count
    const spilled = this.#spilled?.count ?? 0
    if (index < inMemory) this.#memory.read(index, start, end, into)
    else if (index < inMemory + spilled) this.#spilled!.read(index - inMemory, start, end, into)
    else if (this.#overflow) this.#overflow.read(index - inMemory - spilled, start, end, into)
    else throw new Error(`no update ${index} in this store`)
  }

  dispose(): void {
    this.#disposed = true
    this.#memory.dispose()
    this.#spilled?.dispose()
    this.#overflow?.dispose()
  }
}
