import type { TaskSchema } from '../../../shared/tasks/schema'
import { CsvIngest, DEFAULT_MAX_CSV_COLUMNS, type EncodedRows } from './csv-ingest'
import { streamCsvRecords } from './csv-records'
import type { CsvReport } from './csv-report'
import type { DecimalMark } from './number-format'

export interface CsvReadOptions {
  /** 'auto' lets the parser detect comma, semicolon, tab or pipe from the first lines. */
  readonly delimiter?: 'auto' | ',' | ';' | '\t' | '|'
  /** 'auto': a decimal comma for semicolon-separated files, else a decimal point. */
  readonly decimal?: 'auto' | DecimalMark
  /** Files over this size are refused before any parsing. */
  readonly maxBytes?: number
  /** A record with more fields than this makes the file unusable (default `DEFAULT_MAX_CSV_COLUMNS`). */
  readonly maxColumns?: number
  readonly onProgress?: (fraction: number) => void
  readonly signal?: AbortSignal
}

export const DEFAULT_MAX_CSV_BYTES = 256 * 1024 * 1024

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/**
 * Reads a CSV (a File/Blob in a browser worker or in Node, or text) through the task schema, streaming: the
 * bytes are decoded piece by piece (UTF-8, or UTF-16 behind a byte order mark), papaparse's parser splits records
 * and `CsvIngest` checks and encodes each. Time is linear in the file's size, however its lines are shaped.
 * Resolves with the report and, unless the file is unusable, the encoded rows. Never throws for bad content:
 * every problem is in the report.
 */
export async function readCsv(
  source: Blob | string,
  fileName: string,
  schema: TaskSchema,
  options: CsvReadOptions = {},
): Promise<{ report: CsvReport; rows: EncodedRows | null }> {
  const bytes = typeof source === 'string' ? new TextEncoder().encode(source).length : source.size
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CSV_BYTES
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_CSV_COLUMNS
  const refuse = (reason: string) => {
    const ingest = new CsvIngest(schema, '.')
    ingest.header([])
    const result = ingest.finish({ fileName, bytes, delimiter: ',' })
    return { report: { ...result.report, fatal: reason }, rows: null }
  }
  if (bytes > maxBytes)
    return refuse(`the file is ${formatBytes(bytes)}; the limit is ${formatBytes(maxBytes)}`)
  if (bytes === 0) return refuse('the file is empty')
  let ingest: CsvIngest | null = null
  const read = await streamCsvRecords(source, { ...options, maxColumns }, ({ decimal }) => {
    const reader = new CsvIngest(schema, decimal, { maxColumns })
    ingest = reader
    return {
      header: (fields) => {
        reader.header(fields)
        return !reader.fatal
      },
      row: (fields) => {
        reader.row(fields)
        return !reader.fatal
      },
      tooWide: () => reader.tooWide(),
      // The record a quoting problem is in starts after the last complete one.
      where: () => ` (the record starting on line ${reader.line})`,
    }
  })
  if (!read.ok || !ingest)
    return refuse(`"${fileName}" cannot be read as CSV: ${read.ok ? 'no content' : read.reason}`)
  const { delimiter, problem } = read
  const result = (ingest as CsvIngest).finish({ fileName, bytes, delimiter })
  const fatal = problem ?? result.report.fatal
  return { report: { ...result.report, fatal }, rows: fatal ? null : result.rows }
}
