/** An append-only typed array that doubles its capacity: rows are encoded as they stream in, never held as text. */
export class GrowableArray<T extends Float32Array | Int32Array> {
  #data: T
  #length = 0

  constructor(
    private readonly make: (capacity: number) => T,
    initialCapacity = 1024,
  ) {
    this.#data = make(initialCapacity)
  }

  get length(): number {
    return this.#length
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = this.make(this.#data.length * 2)
      bigger.set(this.#data)
      this.#data = bigger
    }
    this.#data[this.#length++] = value
  }

  /** Removes the last `count` values (a row that turned out invalid halfway through). */
  truncate(length: number): void {
    this.#length = Math.min(this.#length, length)
  }

  /** The values, trimmed to their length (a copy, so the growth slack is released). */
  toArray(): T {
    return this.#data.slice(0, this.#length) as T
  }
}
