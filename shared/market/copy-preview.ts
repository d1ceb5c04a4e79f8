import Papa from 'papaparse'
import { unescapeCsvCell } from '../data/csv-cell'
import type { TaskSchema } from '../tasks/schema'

/** Per-column figures of a copy as received: plain statistics of its (noised) cells, for a buyer to compare. */
export type CopyColumnPreview =
  | {
      readonly name: string
      readonly kind: 'numeric'
      /** Cells that held a finite number (the others are counted in `invalid`). */
      readonly count: number
      readonly invalid: number
      readonly mean: number
      /** Population standard deviation of the copy's values (noise included). */
      readonly std: number
      readonly min: number
      readonly max: number
    }
  | {
      readonly name: string
      readonly kind: 'categorical'
      readonly count: number
      /** Each declared category's share of the column, then `other` for any value the schema lacks. */
      readonly shares: readonly { readonly value: string; readonly share: number }[]
      readonly other: number
    }

export interface CopyPreview {
  readonly header: readonly string[]
  /** The first rows, as text (the seller made them: shown as text, never as markup). */
  readonly first: readonly (readonly string[])[]
  readonly rows: number
  readonly columns: readonly CopyColumnPreview[]
}

/**
 * Reads a delivered copy (CSV text from the seller, untrusted) against the listing's schema: its first `firstRows`
 * rows and per-column summaries. Numeric columns are not range-checked: noised values leave the declared range by
 * design. Columns the schema names but the copy lacks come out with no values.
 */
export function copyPreview(csv: string, schema: TaskSchema, firstRows = 8): CopyPreview {
  const parsed = Papa.parse<Record<string, string>>(csv.replace(/^\uFEFF/, ''), {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: unescapeCsvCell,
    transform: unescapeCsvCell,
  })
  const header = parsed.meta.fields ?? []
  const records = parsed.data
  const cells = (name: string) => records.map((r) => (r[name] ?? '').trim())
  const columns: CopyColumnPreview[] = [
    ...schema.features,
    { name: schema.label.name, type: 'categorical' as const, categories: [...schema.label.classes] },
  ].map((c): CopyColumnPreview => {
    const values = cells(c.name)
    if (c.type === 'numeric' || c.type === 'integer') {
      const numbers = values
        .filter((v) => v !== '')
        .map(Number)
        .filter(Number.isFinite)
      const n = numbers.length
      const mean = n ? numbers.reduce((s, v) => s + v, 0) / n : Number.NaN
      const variance = n ? numbers.reduce((s, v) => s + (v - mean) ** 2, 0) / n : Number.NaN
      return {
        name: c.name,
        kind: 'numeric',
        count: n,
        invalid: values.length - n,
        mean,
        std: Math.sqrt(variance),
        min: n ? numbers.reduce((m, v) => Math.min(m, v), Infinity) : Number.NaN,
        max: n ? numbers.reduce((m, v) => Math.max(m, v), -Infinity) : Number.NaN,
      }
    }
    const categories = c.type === 'boolean' ? ['0', '1'] : c.categories
    const tally = new Map(categories.map((v) => [v, 0]))
    let other = 0
    for (const v of values) {
      const seen = tally.get(v)
      if (seen === undefined) other++
      else tally.set(v, seen + 1)
    }
    const total = Math.max(1, values.length)
    return {
      name: c.name,
      kind: 'categorical',
      count: values.length,
      shares: categories.map((value) => ({ value, share: tally.get(value)! / total })),
      other: other / total,
    }
  })
  return {
    header,
    first: records.slice(0, firstRows).map((r) => header.map((h) => r[h] ?? '')),
    rows: records.length,
    columns,
  }
}
