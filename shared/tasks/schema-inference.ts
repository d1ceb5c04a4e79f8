import { unescapeCsvCell } from '../data/csv-cell'
import { type DecimalMark, isMissing, parseBoolean, parseDecimal } from '../data/number-format'
import { type ColumnSchema, RESERVED_COLUMN_NAMES, type TaskSchema } from './schema'

/** Distinct values a text column (or the label) may have and still be read as categories. */
export const MAX_INFERRED_CATEGORIES = 50
/** A text value longer than this marks free text, not a category. */
const MAX_CATEGORY_CHARS = 100
/** Share of a column's present values that must parse as numbers for it to be numeric (the rest are reported). */
const NUMERIC_SHARE = 0.9
/** The most features a task schema takes (`taskSchemaSchema`). */
const MAX_FEATURES = 2000
const MAX_NAME_CHARS = 200
/** A column of numbers is a label only with this many distinct values or fewer (else it is a measurement). */
const FEW_NUMERIC_CLASSES = 10
const LABEL_NAME = /^(label|target|class|outcome|y|diagnosis)$/i

/** What the inference made of one column of the file, in words the page shows beside the schema. */
export interface ColumnVerdict {
  readonly name: string
  readonly role: 'feature' | 'label' | 'left-out'
  readonly note: string
}

export type InferredSchema =
  | {
      readonly ok: true
      readonly schema: TaskSchema
      readonly columns: readonly ColumnVerdict[]
      /** Data records read (blank lines not counted). */
      readonly rows: number
    }
  | { readonly ok: false; readonly message: string }

/** Running observations of one column; memory is bounded by `MAX_INFERRED_CATEGORIES` values. */
class Observed {
  present = 0
  missing = 0
  numbers = 0
  integers = 0
  booleans = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  /** Distinct present values (trimmed), until there are more than `MAX_INFERRED_CATEGORIES`. */
  readonly distinct = new Set<string>()
  manyValues = false
  longText = false
  /** The first present value that is not a number, with its line. */
  firstText: { line: number; value: string } | null = null
}

/**
 * Infers a task schema from a CSV's content, fed record by record (the same records `CsvIngest` reads, so the file
 * the schema came from passes its checks): each column's type (boolean, integer, numeric or categorical), its range
 * or categories, and the label with its classes. Pure: the caller splits the file (see `inferCsvSchema`).
 *
 * - boolean: every present value is true/false, yes/no, y/n, t/f or 1/0, with at most two distinct values;
 * - integer / numeric: at least 90 % of the present values are numbers in the file's decimal mark (the others are
 *   reported by the ingest, line by line); the range is the smallest and largest value rounded outward to a multiple
 *   of 5·10^k about a tenth of their span, since a listing's schema is public and the exact extremes are single rows;
 * - categorical: 2 to `MAX_INFERRED_CATEGORIES` distinct values, none longer than 100 characters, sorted;
 * - left out, with the reason: nameless, reserved or duplicate names, constant or empty columns, identifiers and
 *   free text.
 *
 * The label is the column the caller names, else the column named label/target/class/outcome/y/diagnosis, else the last column with 2 to
 * `MAX_INFERRED_CATEGORIES` distinct values (at most 10 if they are all numbers); its classes are those values, sorted (numerically when all are numbers).
 * Missing values keep the `drop-row` policy. Time is linear in the fields fed.
 */
export class SchemaInference {
  readonly #decimal: DecimalMark
  #names: string[] = []
  #columns: Observed[] = []
  #fatal: string | null = null
  #rows = 0
  #ragged = 0
  #line = 1

  readonly #label: string | null

  /** `label`: the label column's name, when the caller chose it (else it is inferred). */
  constructor(decimal: DecimalMark, options: { label?: string } = {}) {
    this.#decimal = decimal
    this.#label = options.label ?? null
  }

  /** The first record: the column names. Returns false when no schema can come from this file. */
  header(fields: readonly string[]): boolean {
    this.#line = 2 + newlinesIn(fields)
    this.#names = fields.map((f, i) => unescapeCsvCell(i === 0 ? f.replace(/^\uFEFF/, '') : f).trim())
    if (this.#names.every((n) => n === ''))
      return this.#fail('the first line is empty: it should hold the column names')
    const looksLikeData =
      this.#names.filter((n) => parseDecimal(n, this.#decimal) !== null).length >=
      Math.ceil(this.#names.length / 2)
    if (looksLikeData)
      return this.#fail(
        `the first line holds values (${this.#names.slice(0, 4).join(', ')}…), not column names: add a header line`,
      )
    if (this.#names.length < 2)
      return this.#fail('the file has one column: a schema needs features and a label')
    if (this.#label !== null && !this.#names.includes(this.#label))
      return this.#fail(`line 1: no column "${this.#label}" (the header has ${this.#names.join(', ')})`)
    this.#columns = this.#names.map(() => new Observed())
    return true
  }

  /** One data record. Blank lines are skipped; a record of the wrong width is counted and left for the ingest to report. */
  row(fields: readonly string[]): void {
    if (this.#fatal) return
    const line = this.#line
    this.#line += 1 + newlinesIn(fields)
    if (fields.length === 1 && fields[0]!.trim() === '') return
    this.#rows++
    if (fields.length !== this.#names.length) {
      this.#ragged++
      return
    }
    for (const [i, column] of this.#columns.entries())
      this.#observe(column, unescapeCsvCell(fields[i]!).trim(), line)
  }

  finish(): InferredSchema {
    if (!this.#fatal && this.#names.length === 0) this.#fail('the file is empty')
    else if (!this.#fatal && this.#rows === 0)
      this.#fail('the file has a header but no data rows: nothing to infer from')
    if (this.#fatal) return { ok: false, message: this.#fatal }
    const nameProblem = this.#names.map((name, i) => this.#nameProblem(name, i))
    const usable = (i: number) => nameProblem[i] === null
    const classesOf = (i: number) => {
      const c = this.#columns[i]!
      return !c.manyValues && !c.longText && c.distinct.size >= 2 ? c.distinct.size : 0
    }
    if (this.#label !== null) {
      const chosen = this.#names.indexOf(this.#label)
      if (nameProblem[chosen]) return { ok: false, message: `label "${this.#label}": ${nameProblem[chosen]}` }
      if (classesOf(chosen) === 0) {
        const c = this.#columns[chosen]!
        const count = c.manyValues
          ? `more than ${MAX_INFERRED_CATEGORIES}`
          : c.longText
            ? 'free-text'
            : `${c.distinct.size}`
        return {
          ok: false,
          message: `label "${this.#label}" has ${count} distinct values: it needs 2 to ${MAX_INFERRED_CATEGORIES} classes`,
        }
      }
    }
    const named =
      this.#label !== null
        ? this.#names.indexOf(this.#label)
        : this.#names.findIndex((n, i) => usable(i) && LABEL_NAME.test(n))
    let label = named !== -1 && classesOf(named) > 0 ? named : -1
    // Unnamed: the last column that reads as classes (text, or at most a few distinct numbers).
    for (let i = this.#names.length - 1; label === -1 && i >= 0; i--) {
      const c = this.#columns[i]!
      if (usable(i) && classesOf(i) > 0 && (c.numbers < c.present || c.distinct.size <= FEW_NUMERIC_CLASSES))
        label = i
    }
    if (label === -1) {
      const which = named !== -1 ? `"${this.#names[named]}"` : 'no column'
      return {
        ok: false,
        message: `no column can be the label: ${which} has between 2 and ${MAX_INFERRED_CATEGORIES} distinct values (the classes)`,
      }
    }
    const verdicts: ColumnVerdict[] = []
    const features: ColumnSchema[] = []
    for (const [i, name] of this.#names.entries()) {
      const shown = name === '' ? `column ${i + 1}` : name
      const problem = nameProblem[i]
      if (problem) {
        verdicts.push({ name: shown, role: 'left-out', note: problem })
        continue
      }
      if (i === label) continue
      const typed = this.#type(name, this.#columns[i]!)
      if ('left' in typed) verdicts.push({ name, role: 'left-out', note: typed.left })
      else if (features.length >= MAX_FEATURES)
        verdicts.push({ name, role: 'left-out', note: `a schema takes at most ${MAX_FEATURES} features` })
      else {
        features.push(typed.column)
        verdicts.push({ name, role: 'feature', note: typed.note })
      }
    }
    if (features.length === 0) return { ok: false, message: 'no column besides the label can be a feature' }
    const classes = this.#classes(this.#columns[label]!)
    const labelColumn = this.#columns[label]!
    const missingLabels = labelColumn.missing ? `; ${labelColumn.missing} rows without one are left out` : ''
    verdicts.splice(label, 0, {
      name: this.#names[label]!,
      role: 'label',
      note: `label, classes ${classes.join(', ')}${missingLabels}${named === -1 || named === label ? '' : ` ("${this.#names[named]}" could not be: it has no 2 to ${MAX_INFERRED_CATEGORIES} distinct values)`}`,
    })
    if (this.#ragged)
      verdicts.push({
        name: '(rows)',
        role: 'left-out',
        note: `${this.#ragged} ${this.#ragged === 1 ? 'row has' : 'rows have'} more or fewer fields than the header`,
      })
    return {
      ok: true,
      schema: { features, label: { name: this.#names[label]!, classes }, missing: 'drop-row' },
      columns: verdicts,
      rows: this.#rows,
    }
  }

  #observe(c: Observed, value: string, line: number): void {
    if (isMissing(value)) {
      c.missing++
      return
    }
    c.present++
    if (!c.manyValues) {
      if (!c.distinct.has(value) && c.distinct.size >= MAX_INFERRED_CATEGORIES) {
        c.manyValues = true
        c.distinct.clear()
      } else c.distinct.add(value)
    }
    if (value.length > MAX_CATEGORY_CHARS) c.longText = true
    if (parseBoolean(value) !== null) c.booleans++
    const n = parseDecimal(value, this.#decimal)
    if (n === null) {
      c.firstText ??= { line, value: value.slice(0, 40) }
      return
    }
    c.numbers++
    if (Number.isInteger(n)) c.integers++
    if (n < c.min) c.min = n
    if (n > c.max) c.max = n
  }

  #nameProblem(name: string, i: number): string | null {
    if (name === '') return 'left out: it has no name in the header'
    if (RESERVED_COLUMN_NAMES.has(name))
      return 'left out: its name is reserved (__proto__, constructor, prototype)'
    if (name.length > MAX_NAME_CHARS) return `left out: its name is longer than ${MAX_NAME_CHARS} characters`
    const first = this.#names.indexOf(name)
    if (first !== i) return `left out: the header names it twice (columns ${first + 1} and ${i + 1})`
    return null
  }

  #type(name: string, c: Observed): { column: ColumnSchema; note: string } | { left: string } {
    const missing = c.missing ? `; ${c.missing} missing` : ''
    if (c.present === 0) return { left: 'left out: every value is missing' }
    if (!c.manyValues && c.distinct.size === 1)
      return { left: `left out: every row holds the same value ("${[...c.distinct][0]!.slice(0, 40)}")` }
    if (c.booleans === c.present && !c.manyValues && c.distinct.size <= 2)
      return {
        column: { name, type: 'boolean' },
        note: `boolean (${[...c.distinct].sort().join('/')})${missing}`,
      }
    if (c.numbers > 0 && c.numbers >= NUMERIC_SHARE * c.present) {
      const type = c.integers === c.numbers ? 'integer' : 'numeric'
      const [min, max] = outwardRange(c.min, c.max, type === 'integer')
      const odd = c.present - c.numbers
      const text =
        odd && c.firstText
          ? `; ${odd} values are not numbers (first "${c.firstText.value}" on line ${c.firstText.line}): their rows will be left out`
          : ''
      return {
        column: { name, type, min, max },
        note: `${type}, values ${c.min} to ${c.max}, range [${min}, ${max}]${missing}${text}`,
      }
    }
    if (c.manyValues)
      return {
        left: `left out: more than ${MAX_INFERRED_CATEGORIES} distinct values (an identifier or free text?)`,
      }
    if (c.longText)
      return { left: `left out: values longer than ${MAX_CATEGORY_CHARS} characters (free text?)` }
    const { kept: categories, strays } = withoutStrayMarks([...c.distinct].sort())
    const stray = strays.length
      ? `; ${strays.map((v) => `"${v}"`).join(', ')} not taken as a category (no letter or digit): its rows will be left out`
      : ''
    return {
      column: { name, type: 'categorical', categories },
      note: `categorical, ${categories.length} categories${missing}${stray}`,
    }
  }

  #classes(c: Observed): string[] {
    const values = withoutStrayMarks([...c.distinct]).kept
    const numbers = values.map((v) => parseDecimal(v, this.#decimal))
    if (numbers.every((n) => n !== null)) {
      return values
        .map((v, i) => [v, numbers[i]!] as const)
        .sort((a, b) => a[1] - b[1])
        .map(([v]) => v)
    }
    return values.sort()
  }

  #fail(message: string): false {
    this.#fatal ??= message
    return false
  }
}

/**
 * Values with no letter or digit (a stray ".", "*" or "#" where a value was not recorded) are not categories: the
 * ingest then reports each such row as an unknown category, with its line, and leaves it out. Kept when fewer than
 * two real values would remain.
 */
function withoutStrayMarks(values: string[]): { kept: string[]; strays: string[] } {
  const real = values.filter((v) => /[\p{L}\p{N}]/u.test(v))
  if (real.length < 2) return { kept: values, strays: [] }
  return { kept: real, strays: values.filter((v) => !real.includes(v)) }
}

/**
 * [min, max] rounded outward to multiples of a step 5·10^k near a tenth of the span (whole for integer columns),
 * never collapsing to a point; the exact bounds where rounding would overflow.
 */
export function outwardRange(min: number, max: number, integer: boolean): [number, number] {
  const span = max - min || Math.abs(min) || 1
  if (!Number.isFinite(span)) return [min, max]
  let step = 5 * 10 ** (Math.floor(Math.log10(span)) - 1)
  if (integer) step = Math.max(1, step)
  const digits = Math.max(0, -Math.floor(Math.log10(step)))
  const round = (x: number) => Number(x.toFixed(Math.min(digits, 20)))
  const lo = round(Math.floor(min / step) * step)
  let hi = round(Math.ceil(max / step) * step)
  if (hi <= lo) hi = round(lo + step)
  return Number.isFinite(lo) && Number.isFinite(hi) && lo < hi ? [lo, hi] : [min, max === min ? min + 1 : max]
}

function newlinesIn(fields: readonly string[]): number {
  let n = 0
  for (const field of fields) for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) n++
  return n
}
