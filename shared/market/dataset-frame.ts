import Papa from 'papaparse'
import { csvDocument, unescapeCsvCell } from '../data/csv-cell'
import type { DataFrame } from '../privacy/dataframe'
import type { ColumnSchema, TaskSchema } from '../tasks/schema'

export interface FrameProblem {
  /** 1-based line in the file (the header is line 1). */
  readonly line: number
  readonly column: string
  readonly value: string
  readonly message: string
}

export interface ReadFrame {
  readonly frame: Map<string, (number | string)[]>
  readonly rows: number
  readonly droppedRows: number
  /** The first problems found (at most 50), each with its line and column. */
  readonly problems: readonly FrameProblem[]
  /** What makes the whole file unusable (a missing column), if anything. */
  readonly fatal: string | null
}

const MAX_PROBLEMS = 50

function cell(column: ColumnSchema, raw: string): { value: number | string } | { error: string } {
  const text = raw.trim()
  switch (column.type) {
    case 'numeric':
    case 'integer': {
      const v = Number(text)
      if (text === '' || !Number.isFinite(v)) return { error: 'not a number' }
      if (column.type === 'integer' && !Number.isInteger(v)) return { error: 'not an integer' }
      if (v < column.min || v > column.max)
        return { error: `outside the declared range [${column.min}, ${column.max}]` }
      return { value: v }
    }
    case 'boolean': {
      const t = text.toLowerCase()
      if (['1', 'true', 'yes'].includes(t)) return { value: 1 }
      if (['0', 'false', 'no'].includes(t)) return { value: 0 }
      return { error: 'not a boolean (true/false, yes/no, 1/0)' }
    }
    case 'categorical':
      return column.categories.includes(text)
        ? { value: text }
        : { error: `not one of ${column.categories.join(', ')}` }
  }
}

/**
 * Reads a CSV into columns (features and label) checked against a task schema: each bad cell is reported with its
 * line, column and value, and its row is dropped; a missing column is fatal. A protective `'` before a formula
 * lead (see `escapeCsvCell`) is dropped. Runs in the provider's tab: the raw rows never leave it.
 */
export function readDatasetFrame(text: string, schema: TaskSchema): ReadFrame {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: unescapeCsvCell,
    transform: unescapeCsvCell,
  })
  const header = parsed.meta.fields ?? []
  const columns: ColumnSchema[] = [
    ...schema.features,
    { name: schema.label.name, type: 'categorical', categories: [...schema.label.classes] },
  ]
  const frame = new Map<string, (number | string)[]>(columns.map((c) => [c.name, []]))
  const missing = columns.filter((c) => !header.includes(c.name)).map((c) => c.name)
  if (missing.length) {
    return {
      frame,
      rows: 0,
      droppedRows: 0,
      problems: [],
      fatal: `line 1: the header lacks column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (it has ${header.join(', ')})`,
    }
  }
  const problems: FrameProblem[] = []
  let rows = 0
  let dropped = 0
  parsed.data.forEach((record, i) => {
    const line = i + 2
    const values: (number | string)[] = []
    let bad = false
    for (const column of columns) {
      const raw = record[column.name] ?? ''
      const parsedCell = cell(column, raw)
      if ('error' in parsedCell) {
        bad = true
        if (problems.length < MAX_PROBLEMS)
          problems.push({ line, column: column.name, value: raw, message: parsedCell.error })
      } else values.push(parsedCell.value)
    }
    if (bad) {
      dropped++
      return
    }
    columns.forEach((c, j) => {
      frame.get(c.name)!.push(values[j]!)
    })
    rows++
  })
  return {
    frame,
    rows,
    droppedRows: dropped,
    problems,
    fatal: rows === 0 ? 'no valid row in the file' : null,
  }
}

/** The frame back to CSV text (header first), e.g. an anonymized copy; cells that would start a formula escaped. */
export function frameToCsv(frame: DataFrame): string {
  const names = [...frame.keys()]
  const count = frame.get(names[0]!)?.length ?? 0
  const rows = Array.from({ length: count }, (_, r) => names.map((n) => frame.get(n)![r]!))
  return csvDocument(names, rows)
}
