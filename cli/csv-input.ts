import { readFileSync, statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { CsvIngest, DEFAULT_MAX_CSV_COLUMNS } from '../client/data/csv/csv-ingest'
import { streamCsvRecords } from '../client/data/csv/csv-records'
import type { CsvReport } from '../client/data/csv/csv-report'
import { inferCsvSchema } from '../client/data/csv/infer-csv'
import { DEFAULT_MAX_CSV_BYTES } from '../client/data/csv/read-csv'
import { sniffText } from '../client/data/csv/text-sniff'
import { unescapeCsvCell } from '../shared/data/csv-cell'
import type { Row, Table } from '../shared/data/data-handler'
import { type DecimalMark, parseDecimal } from '../shared/data/number-format'
import { type TaskSchema, taskSchemaSchema } from '../shared/tasks/schema'
import type { ColumnVerdict } from '../shared/tasks/schema-inference'
import { csvReportText } from './csv-report-text'

/** A person's CSV as the run reads it: the valid rows, the tab's report on the file, and where the schema came from. */
export interface CsvInput {
  readonly table: Table
  /** The report a tab shows for this file (its preview of raw rows left out). */
  readonly report: Omit<CsvReport, 'preview'>
  /** 'inferred', or the --schema file the schema was read from. */
  readonly schemaSource: string
  /** What the inference made of each column (empty with --schema). */
  readonly columns: readonly ColumnVerdict[]
}

/**
 * Reads `file` as a tab reads it (`CsvIngest` over `streamCsvRecords`: the same encoding sniffing, separator and
 * decimal detection, checks and report), with the schema from `schemaFile` or inferred from the file with `label`
 * as its label. Keeps the rows the tab would keep, as written (numbers parsed), so the clients read them the same
 * way again. Throws an Error naming the option and the problem; a file that cannot be used at all also lists its
 * problems, as the tab does.
 */
export async function readRunCsv(file: string, label: string, schemaFile: string | null): Promise<CsvInput> {
  const where = `--csv ${file}`
  const bytes = readBytes(file, where)
  const name = basename(file)
  const sniff = sniffText(bytes.subarray(0, 64 * 1024))
  if (!sniff.ok)
    throw new Error(`${where}: cannot use this file: "${name}" cannot be read as CSV: ${sniff.reason}`)
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>])
  let schema: TaskSchema
  let columns: readonly ColumnVerdict[] = []
  if (schemaFile !== null) schema = readSchemaFile(schemaFile, label)
  else {
    const inferred = await inferCsvSchema(blob, { label })
    if (!inferred.ok) throw new Error(`${where}: no schema can be inferred from it: ${inferred.message}`)
    schema = inferred.schema
    columns = inferred.columns
  }
  const rows: Row[] = []
  let ingest: CsvIngest | null = null
  let header: string[] = []
  const read = await streamCsvRecords(blob, { maxColumns: DEFAULT_MAX_CSV_COLUMNS }, ({ decimal }) => {
    const reader = new CsvIngest(schema, decimal)
    ingest = reader
    const keep = keeper(schema, decimal)
    return {
      header: (fields) => {
        header = fields.map((f, i) => unescapeCsvCell(i === 0 ? f.replace(/^\uFEFF/, '') : f).trim())
        return reader.header(fields)
      },
      row: (fields) => {
        const before = reader.valid
        reader.row(fields)
        if (reader.valid > before) rows.push(keep(header, fields))
        return !reader.fatal
      },
      tooWide: () => reader.tooWide(),
      where: () => ` (the record starting on line ${reader.line})`,
    }
  })
  if (!read.ok || !ingest)
    throw new Error(
      `${where}: cannot use this file: "${name}" cannot be read as CSV: ${read.ok ? 'no content' : read.reason}`,
    )
  const finished = (ingest as CsvIngest).finish({
    fileName: name,
    bytes: bytes.length,
    delimiter: read.delimiter,
  })
  const { preview: _preview, ...report } = {
    ...finished.report,
    fatal: read.problem ?? finished.report.fatal,
  }
  if (report.fatal) {
    throw new Error(
      `${where}: cannot use this file: ${report.fatal}\n${csvReportText(report, schema, columns, schemaFile)}`,
    )
  }
  return { table: { name: file, schema, rows }, report, schemaSource: schemaFile ?? 'inferred', columns }
}

function readBytes(file: string, where: string): Uint8Array<ArrayBuffer> {
  const path = resolve(file)
  try {
    const size = statSync(path).size
    if (size > DEFAULT_MAX_CSV_BYTES)
      throw new Error(
        `the file is ${Math.round(size / 1024 / 1024)} MB; the limit is ${DEFAULT_MAX_CSV_BYTES / 1024 / 1024} MB`,
      )
    return readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a directory, not a file'
          : (error as Error).message
    throw new Error(`${where}: ${reason}`)
  }
}

/** A task schema from a JSON file (as the coordinator page writes it); every problem named by its field. */
function readSchemaFile(file: string, label: string): TaskSchema {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(resolve(file), 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(
      `--schema ${file}: ${code === 'ENOENT' ? 'no such file' : `not JSON (${(error as Error).message})`}`,
    )
  }
  const parsed = taskSchemaSchema.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(the schema)'}: ${i.message}`)
    throw new Error(`--schema ${file}: ${problems.join('; ')}`)
  }
  if (parsed.data.label.name !== label) {
    throw new Error(`--schema ${file}: its label is "${parsed.data.label.name}" but --label names "${label}"`)
  }
  return parsed.data
}

/** A valid record as a row of the table: the schema's columns, numbers parsed with the file's decimal mark. */
function keeper(schema: TaskSchema, decimal: DecimalMark) {
  const columns = [...schema.features, { name: schema.label.name, type: 'label' as const }]
  let names: readonly string[] = []
  let at: number[] = []
  return (header: readonly string[], fields: readonly string[]): Row => {
    if (header !== names) {
      names = header
      at = columns.map((c) => header.indexOf(c.name))
    }
    const row: Row = {}
    for (const [i, column] of columns.entries()) {
      const text = unescapeCsvCell(fields[at[i]!] ?? '').trim()
      const numeric = column.type === 'numeric' || column.type === 'integer'
      row[column.name] = numeric ? (parseDecimal(text, decimal) ?? text) : text
    }
    return row
  }
}
