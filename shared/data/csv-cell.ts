import Papa from 'papaparse'

/**
 * A cell a spreadsheet would run as a formula: it begins with `=`, `+`, `-`, `@`, tab or carriage return (OWASP,
 * "CSV Injection"), possibly behind protective quotes already, so that escaping stays reversible.
 */
const FORMULA_LEAD = /^'*[=+\-@\t\r]/
/** What `unescapeCsvCell` undoes: one protective quote before a formula lead. */
const PROTECTED = /^'+[=+\-@\t\r]/
/** A plain decimal number (`-1.5`, `+2`, `-3e-4`): a spreadsheet reads it as a number, never a formula. */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
/** RFC 4180: a cell holding these is quoted; so is one with edge spaces or a byte order mark, to keep it exact. */
const NEEDS_QUOTES = /[",\r\n\uFEFF]|^ | $/

export type CsvValue = string | number | boolean | null | undefined

/**
 * One cell as it is written in a comma-separated file. A cell that would start a formula gets a leading `'` and is
 * quoted (OWASP's advice), unless it is a plain number, which stays a number; any other cell is quoted only where
 * RFC 4180 needs it (`"` doubled). Null and undefined are empty cells. `unescapeCsvCell` gives the text back.
 */
export function escapeCsvCell(value: CsvValue): string {
  const text = value === null || value === undefined ? '' : String(value)
  if (FORMULA_LEAD.test(text) && !PLAIN_NUMBER.test(text)) return `"'${text.replaceAll('"', '""')}"`
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * The value a cell held before `escapeCsvCell`, from its parsed (unquoted) text: one protective `'` is dropped
 * where it precedes a formula lead. Any other text, including a lone leading `'`, is returned as it is.
 */
export function unescapeCsvCell(text: string): string {
  return PROTECTED.test(text) ? text.slice(1) : text
}

/** One record: its cells escaped and joined by commas. */
export function csvLine(cells: readonly CsvValue[]): string {
  return cells.map(escapeCsvCell).join(',')
}

/** A whole file: the header, then one line per row, separated by CRLF (RFC 4180), without a final line break. */
export function csvDocument(header: readonly CsvValue[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [csvLine(header)]
  for (const row of rows) lines.push(csvLine(row))
  return lines.join('\r\n')
}

/**
 * A comma-separated text from elsewhere (a copy another participant made) rewritten so that no cell starts a
 * formula: each cell is read (dropping a protective quote already there), then escaped again. Idempotent.
 */
export function defuseCsvText(text: string): string {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: ',',
    header: false,
    skipEmptyLines: 'greedy',
  })
  return parsed.data.map((row) => csvLine(row.map(unescapeCsvCell))).join('\r\n')
}
