import { unescapeCsvCell } from '../../../shared/data/csv-cell'
import { encodeColumnValue } from '../../../shared/tasks/feature-encoding'
import {
  type ColumnSchema,
  encodedWidth,
  RESERVED_COLUMN_NAMES,
  type TaskSchema,
} from '../../../shared/tasks/schema'
import type { ColumnSummary, CsvReport, IssueExample, IssueKind, IssueSummary } from './csv-report'
import { GrowableArray } from './growable'
import { type DecimalMark, isMissing, parseBoolean, parseDecimal } from './number-format'

const EXAMPLES_PER_ISSUE = 5
const PREVIEW_ROWS = 8
/** Column names quoted in a message before it says how many more there are. */
const NAMES_IN_MESSAGE = 20
/** The most columns a file may have unless the reader is told otherwise. */
export const DEFAULT_MAX_CSV_COLUMNS = 10_000
const KEPT: ReadonlySet<IssueKind> = new Set(['out-of-range', 'imputed'])

/** Encoded valid rows: `x` holds `width` model inputs per row, `y` the class index. */
export interface EncodedRows {
  readonly x: Float32Array
  readonly y: Int32Array
  readonly width: number
  readonly count: number
}

type Problem = { kind: IssueKind; column: string | null; value: string; message: string }
type Encoded =
  | { ok: true; value: number | string | null; warning?: Problem }
  | { ok: false; problem: Problem }

/** Running statistics of one column over the valid rows, for the local summary. */
class ColumnStats {
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  sum = 0
  n = 0
  missing = 0
  readonly counts = new Map<string, number>()
}

/**
 * Streams a CSV through a task schema, one row at a time: checks the header, parses and validates each value,
 * encodes valid rows straight into typed arrays (scaled from the schema's declared ranges, one-hot categories), and
 * keeps counts and a few located examples of every problem. Holds no row text beyond a short preview, so memory
 * grows with the encoded data, not the file. A record wider than `maxColumns` makes the file unusable. Time is
 * linear in the fields fed. A protective `'` before a formula lead (see `escapeCsvCell`) is dropped from names and
 * values. Pure: the caller feeds rows (papaparse in a worker, or in Node).
 */
export class CsvIngest {
  readonly #schema: TaskSchema
  readonly #decimal: DecimalMark
  readonly #maxColumns: number
  readonly #width: number
  readonly #x = new GrowableArray((n) => new Float32Array(n), 4096)
  readonly #y = new GrowableArray((n) => new Int32Array(n), 1024)
  /** Appends one model input of the row being encoded. */
  readonly #push = (input: number): void => {
    this.#x.push(input)
  }
  /** For each schema feature, its index in the file's columns. */
  #featureIndex: number[] = []
  #labelIndex = -1
  #header: string[] = []
  #extra: string[] = []
  #fatal: string | null = null
  #nextLine = 1
  #total = 0
  #valid = 0
  readonly #issues = new Map<IssueKind, { count: number; examples: IssueExample[] }>()
  readonly #stats: ColumnStats[]
  readonly #classCounts: number[]
  readonly #preview: string[][] = []

  constructor(schema: TaskSchema, decimal: DecimalMark, options: { maxColumns?: number } = {}) {
    this.#schema = schema
    this.#decimal = decimal
    this.#maxColumns = options.maxColumns ?? DEFAULT_MAX_CSV_COLUMNS
    this.#width = encodedWidth(schema)
    this.#stats = schema.features.map(() => new ColumnStats())
    this.#classCounts = schema.label.classes.map(() => 0)
  }

  get fatal(): string | null {
    return this.#fatal
  }

  /** Valid rows so far: a caller that keeps rows compares it before and after `row` to learn if that one was kept. */
  get valid(): number {
    return this.#valid
  }

  /** The line of the file the next record starts on (1 before the header). */
  get line(): number {
    return this.#nextLine
  }

  /**
   * The record starting at `line` turned out wider than `maxColumns` before it ended (the reader counts a long
   * record's fields before splitting it): the file is unusable.
   */
  tooWide(): void {
    this.#header = []
    this.#fail(
      `line ${this.#nextLine} has more than ${count(this.#maxColumns)} columns, the most this page reads`,
    )
  }

  /** The first record: the column names. Returns false (and sets `fatal`) when the file cannot be read with the schema. */
  header(fields: readonly string[]): boolean {
    if (fields.length > this.#maxColumns) {
      return this.#fail(
        `line 1 (the header) has ${count(fields.length)} columns; the most this page reads is ${count(this.#maxColumns)}: keep the task's columns and remove the others`,
      )
    }
    this.#nextLine = 2 + newlinesIn(fields)
    const names = fields.map((f, i) => unescapeCsvCell(i === 0 ? f.replace(/^\uFEFF/, '') : f).trim())
    this.#header = names
    if (names.every((n) => n === ''))
      return this.#fail('the first line is empty: it should hold the column names')
    const reserved = names.findIndex((n) => RESERVED_COLUMN_NAMES.has(n))
    if (reserved !== -1) {
      return this.#fail(
        `column ${reserved + 1} is named "${names[reserved]}", which is reserved: rename it in the header`,
      )
    }
    const wanted = [...this.#schema.features.map((f) => f.name), this.#schema.label.name]
    const columnOf = new Map<string, number[]>()
    for (const [i, n] of names.entries()) {
      const at = columnOf.get(n)
      if (at) at.push(i + 1)
      else columnOf.set(n, [i + 1])
    }
    const missing = wanted.filter((w) => !columnOf.has(w))
    const looksLikeData =
      names.filter((n) => parseDecimal(n, this.#decimal) !== null).length >= Math.ceil(names.length / 2)
    if (looksLikeData && missing.length === wanted.length) {
      return this.#fail(
        `the first line holds values (${names.slice(0, 4).join(', ')}…), not column names: add a header line naming the columns ${wanted.join(', ')}`,
      )
    }
    const duplicates = [...columnOf].filter(([n, at]) => n !== '' && at.length > 1)
    if (duplicates.length) {
      const where = duplicates.map(([d, at]) => `"${d}" (columns ${at.join(' and ')})`)
      return this.#fail(`duplicate column names in the header: ${listed(where)}`)
    }
    if (missing.length) {
      const lowered = new Map<string, string>()
      for (const n of names) if (!lowered.has(n.toLowerCase())) lowered.set(n.toLowerCase(), n)
      const hint = missing
        .map((m) => {
          const near = lowered.get(m.toLowerCase())
          return near ? `"${m}" (the file has "${near}")` : `"${m}"`
        })
        .join(', ')
      return this.#fail(
        `the file lacks column${missing.length > 1 ? 's' : ''} ${hint}; its header is: ${listed(names)}`,
      )
    }
    this.#featureIndex = this.#schema.features.map((f) => columnOf.get(f.name)![0]! - 1)
    this.#labelIndex = columnOf.get(this.#schema.label.name)![0]! - 1
    const wantedSet = new Set(wanted)
    this.#extra = names.filter((n) => !wantedSet.has(n))
    return true
  }

  /** One data record. Blank lines are skipped; a record with a problem is counted, located and dropped. */
  row(fields: readonly string[]): void {
    if (this.#fatal) return
    const line = this.#nextLine
    this.#nextLine += 1 + newlinesIn(fields)
    if (fields.length === 1 && fields[0]!.trim() === '') return
    if (fields.length > this.#maxColumns) {
      this.#fail(
        `line ${line} has ${count(fields.length)} fields; the most this page reads is ${count(this.#maxColumns)} columns`,
      )
      return
    }
    this.#total++
    if (this.#preview.length < PREVIEW_ROWS) this.#preview.push([...fields])
    if (fields.length !== this.#header.length) {
      this.#note('ragged', line, {
        kind: 'ragged',
        column: null,
        value: `${fields.length} fields`,
        message: `has ${fields.length} fields, the header has ${this.#header.length}`,
      })
      return
    }
    const labelText = unescapeCsvCell(fields[this.#labelIndex]!).trim()
    const label = this.#classIndex(labelText)
    if (labelText === '' || isMissing(labelText)) {
      this.#note('empty-label', line, {
        kind: 'empty-label',
        column: this.#schema.label.name,
        value: labelText,
        message: 'the label is empty',
      })
      return
    }
    if (label === -1) {
      const known = this.#schema.label.classes.join(', ')
      this.#note('unknown-class', line, {
        kind: 'unknown-class',
        column: this.#schema.label.name,
        value: labelText,
        message: `"${labelText}" is not a class of this task (${known})`,
      })
      return
    }
    const start = this.#x.length
    const kept: Problem[] = []
    const parsed: (number | string | null)[] = []
    for (let f = 0; f < this.#schema.features.length; f++) {
      const column = this.#schema.features[f]!
      const text = unescapeCsvCell(fields[this.#featureIndex[f]!]!)
      const outcome = this.#encode(column, text)
      if (!outcome.ok) {
        this.#x.truncate(start)
        this.#note(outcome.problem.kind, line, outcome.problem)
        return
      }
      if (outcome.warning) kept.push(outcome.warning)
      parsed.push(outcome.value)
    }
    for (const problem of kept) this.#note(problem.kind, line, problem)
    this.#y.push(label)
    this.#classCounts[label]!++
    this.#valid++
    for (const [f, value] of parsed.entries()) this.#observe(f, value)
  }

  /** Ends the file: the report, and the encoded rows unless the file is unusable. */
  finish(meta: { fileName: string; bytes: number; delimiter: string }): {
    report: CsvReport
    rows: EncodedRows | null
  } {
    if (!this.#fatal && this.#header.length === 0) this.#fail('the file is empty')
    else if (!this.#fatal && this.#total === 0) this.#fail('the file has a header but no data rows')
    else if (!this.#fatal && this.#valid === 0)
      this.#fail(`none of the ${this.#total} rows is valid: see the problems below`)
    const warnings: string[] = []
    const present = this.#classCounts.filter((n) => n > 0).length
    if (!this.#fatal && present === 1) {
      const only = this.#schema.label.classes[this.#classCounts.findIndex((n) => n > 0)]
      warnings.push(
        `every valid row has the label "${only}": this tab alone cannot learn to tell classes apart (it can still help the federation)`,
      )
    }
    if (this.#extra.length) warnings.push(`columns not in the task are ignored: ${listed(this.#extra)}`)
    const issues: IssueSummary[] = [...this.#issues].map(([kind, v]) => ({
      kind,
      count: v.count,
      dropsRows: !KEPT.has(kind),
      examples: v.examples,
    }))
    const dropped = this.#total - this.#valid
    const report: CsvReport = {
      ...meta,
      decimal: this.#decimal,
      fatal: this.#fatal,
      warnings,
      header: this.#header,
      extraColumns: this.#extra,
      rows: {
        total: this.#total,
        valid: this.#fatal ? 0 : this.#valid,
        dropped: this.#fatal ? this.#total : dropped,
      },
      issues,
      classCounts: this.#classCounts,
      preview: this.#preview,
      columns: this.#summaries(),
    }
    if (this.#fatal) return { report, rows: null }
    return {
      report,
      rows: { x: this.#x.toArray(), y: this.#y.toArray(), width: this.#width, count: this.#valid },
    }
  }

  /**
   * Encodes one value into `#x` with `encodeColumnValue` (the one schema encoding); a problem drops the row, a
   * warning (imputed, clipped) keeps it.
   */
  #encode(column: ColumnSchema, text: string): Encoded {
    const value = text.trim()
    const push = this.#push
    const drop = (kind: IssueKind, message: string): Encoded => ({
      ok: false,
      problem: { kind, column: column.name, value, message },
    })
    const keep = (kept: number | string | null, kind: IssueKind, message: string): Encoded => ({
      ok: true,
      value: kept,
      warning: { kind, column: column.name, value, message },
    })
    if (isMissing(value)) {
      if (this.#schema.missing === 'drop-row') return drop('missing-value', `"${column.name}" is missing`)
      encodeColumnValue(column, null, push)
      return keep(null, 'imputed', `"${column.name}" is missing; imputed`)
    }
    switch (column.type) {
      case 'numeric':
      case 'integer': {
        const n = parseDecimal(value, this.#decimal)
        if (n === null) {
          const mark = this.#decimal === '.' ? 'a decimal point' : 'a decimal comma'
          return drop('unparsable', `"${value}" is not a number (this file uses ${mark})`)
        }
        if (column.type === 'integer' && !Number.isInteger(n))
          return drop('not-integer', `"${value}" is not a whole number`)
        encodeColumnValue(column, n, push)
        if (n < column.min || n > column.max) {
          return keep(
            n,
            'out-of-range',
            `${n} is outside the declared range [${column.min}, ${column.max}]; clipped`,
          )
        }
        return { ok: true, value: n }
      }
      case 'boolean': {
        const b = parseBoolean(value)
        if (b === null) return drop('unparsable', `"${value}" is not true/false, yes/no or 1/0`)
        encodeColumnValue(column, b, push)
        return { ok: true, value: b ? 1 : 0 }
      }
      case 'categorical': {
        const exact = column.categories.indexOf(value)
        const index =
          exact !== -1 ? exact : column.categories.findIndex((c) => c.toLowerCase() === value.toLowerCase())
        if (index === -1) {
          return drop(
            'unknown-category',
            `"${value}" is not a category of "${column.name}" (${column.categories.join(', ')})`,
          )
        }
        encodeColumnValue(column, column.categories[index]!, push)
        return { ok: true, value: column.categories[index]! }
      }
      default: {
        const _exhaustive: never = column
        throw new Error(`unknown column type ${JSON.stringify(_exhaustive)}`)
      }
    }
  }

  #classIndex(text: string): number {
    const classes = this.#schema.label.classes
    const exact = classes.indexOf(text)
    if (exact !== -1) return exact
    const loose = classes.findIndex((c) => c.toLowerCase() === text.toLowerCase())
    if (loose !== -1) return loose
    const numeric = parseDecimal(text, this.#decimal)
    return numeric === null ? -1 : classes.findIndex((c) => parseDecimal(c, '.') === numeric)
  }

  #observe(f: number, value: number | string | null): void {
    const stats = this.#stats[f]!
    if (value === null) {
      stats.missing++
      return
    }
    if (typeof value === 'string') {
      stats.counts.set(value, (stats.counts.get(value) ?? 0) + 1)
      return
    }
    stats.min = Math.min(stats.min, value)
    stats.max = Math.max(stats.max, value)
    stats.sum += value
    stats.n++
  }

  #summaries(): ColumnSummary[] {
    return this.#schema.features.map((column, f): ColumnSummary => {
      const s = this.#stats[f]!
      if (column.type === 'categorical')
        return { name: column.name, type: 'categorical', counts: [...s.counts], missing: s.missing }
      if (column.type === 'boolean')
        return { name: column.name, type: 'boolean', trueShare: s.n ? s.sum / s.n : 0, missing: s.missing }
      const any = s.n > 0
      return {
        name: column.name,
        type: column.type,
        min: any ? s.min : 0,
        max: any ? s.max : 0,
        mean: any ? s.sum / s.n : 0,
        missing: s.missing,
      }
    })
  }

  #note(kind: IssueKind, line: number, problem: Problem): void {
    const entry = this.#issues.get(kind) ?? { count: 0, examples: [] }
    entry.count++
    if (entry.examples.length < EXAMPLES_PER_ISSUE) {
      entry.examples.push({
        line,
        column: problem.column,
        value: problem.value.slice(0, 80),
        message: problem.message,
      })
    }
    this.#issues.set(kind, entry)
  }

  #fail(message: string): false {
    this.#fatal ??= message
    return false
  }
}

function newlinesIn(fields: readonly string[]): number {
  let n = 0
  for (const field of fields) {
    for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) n++
  }
  return n
}

/** Items joined by commas; past `NAMES_IN_MESSAGE` of them, how many more there are. */
function listed(items: readonly string[]): string {
  if (items.length <= NAMES_IN_MESSAGE) return items.join(', ')
  return `${items.slice(0, NAMES_IN_MESSAGE).join(', ')} and ${count(items.length - NAMES_IN_MESSAGE)} more`
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}
