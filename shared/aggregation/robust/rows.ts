/**
 * A round's updates as the robust rules read them: `count` vectors of `length` values, read a span of coordinates
 * at a time. The rules never need a whole update at once (a coordinate rule works column by column, a distance or a
 * norm accumulates over coordinates), so a round's memory is one span per update, whether the updates are held in
 * memory or in a file (issue 17).
 */
export interface Rows {
  readonly count: number
  readonly length: number
  /** Copies coordinates [start, end) of row `index` into `into`, from its first value. */
  read(index: number, start: number, end: number, into: Float32Array): void
}

/** How many bytes of spans (one per row) a pass over the rows holds at once, when the caller sets no span length. */
const SPAN_BUDGET_BYTES = 4 * 1024 * 1024

/** The span length a pass over `count` rows of `length` values uses: about 4 MiB of spans in all, at most a row. */
export function defaultSpanLength(count: number, length: number): number {
  return Math.max(1, Math.min(length, Math.floor(SPAN_BUDGET_BYTES / (4 * Math.max(1, count)))))
}

/** Rows over vectors held in memory (the array form of each rule). Checks there is one and that all have one length. */
export function arrayRows(updates: readonly Float32Array[], rule: string): Rows {
  const first = updates[0]
  if (!first) throw new Error(`${rule} of no updates`)
  for (const update of updates)
    if (update.length !== first.length)
      throw new Error(`${rule}: an update has ${update.length} values, another ${first.length}`)
  return {
    count: updates.length,
    length: first.length,
    read: (index, start, end, into) => into.set(updates[index]!.subarray(start, end)),
  }
}

/**
 * Visits the coordinates in order, in spans of at most `spanLength`: `visit(start, end, spans)` gets coordinates
 * [start, end) of every row, `spans[i]` for row i (length end - start). The span arrays are reused from one call to
 * the next; a visitor keeps nothing of them.
 */
export function forEachSpan(
  rows: Rows,
  spanLength: number,
  visit: (start: number, end: number, spans: readonly Float32Array[]) => void,
): void {
  if (!Number.isInteger(spanLength) || spanLength < 1)
    throw new Error(`the span length must be a positive integer, got ${spanLength}`)
  const size = Math.min(spanLength, rows.length)
  const buffers = Array.from({ length: rows.count }, () => new Float32Array(size))
  for (let start = 0; start < rows.length; start += size) {
    const end = Math.min(rows.length, start + size)
    const spans = end - start === size ? buffers : buffers.map((b) => b.subarray(0, end - start))
    for (let i = 0; i < rows.count; i++) rows.read(i, start, end, spans[i]!)
    visit(start, end, spans)
  }
}

/** The L2 norm of every row, in float64, summed over coordinates in order (as `l2Norm` sums one vector). */
export function rowNorms(rows: Rows, spanLength: number): number[] {
  const sums = new Float64Array(rows.count)
  forEachSpan(rows, spanLength, (_start, _end, spans) => {
    spans.forEach((span, i) => {
      let sum = sums[i]!
      for (let j = 0; j < span.length; j++) sum += span[j]! * span[j]!
      sums[i] = sum
    })
  })
  return Array.from(sums, Math.sqrt)
}

/**
 * Some of `rows`, in the order of `indices`, each scaled by its factor as it is read (1 leaves it as stored). A
 * scaled value is rounded to float32, exactly as a scaled copy of the update would hold it.
 */
export function selectedRows(rows: Rows, indices: readonly number[], factors?: readonly number[]): Rows {
  return {
    count: indices.length,
    length: rows.length,
    read: (index, start, end, into) => {
      rows.read(indices[index]!, start, end, into)
      const factor = factors?.[index] ?? 1
      if (factor !== 1) for (let j = 0; j < end - start; j++) into[j] = into[j]! * factor
    },
  }
}

/** Row `index` whole, as a new array. */
export function readRow(rows: Rows, index: number): Float32Array {
  const out = new Float32Array(rows.length)
  rows.read(index, 0, rows.length, out)
  return out
}
