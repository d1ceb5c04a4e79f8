import type { TaskSchema } from '../../../shared/tasks/schema'
import { CsvIngest, DEFAULT_MAX_CSV_COLUMNS, type EncodedRows } from './csv-ingest'
import type { CsvReport } from './csv-report'
import { detectDelimiter, detectLineBreak } from './delimiter'
import { type DecimalMark, defaultDecimalFor } from './number-format'
import { RecordSplitter } from './record-splitter'
import { textChunks } from './text-chunks'
import { sniffText, type TextEncoding } from './text-sniff'

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
/** Characters gathered before each parse, and the size of the pieces a string is cut into. */
const CHUNK_CHARS = 4 * 1024 * 1024
const HEAD_BYTES = 64 * 1024

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
  let head: string
  let encoding: TextEncoding = 'utf-8'
  if (typeof source === 'string') {
    head = source.slice(0, HEAD_BYTES)
  } else {
    const start = new Uint8Array(await source.slice(0, HEAD_BYTES).arrayBuffer())
    const sniff = sniffText(start)
    if (!sniff.ok) return refuse(`"${fileName}" cannot be read as CSV: ${sniff.reason}`)
    encoding = sniff.encoding
    head = new TextDecoder(encoding).decode(start, { stream: true })
  }
  const delimiter =
    options.delimiter && options.delimiter !== 'auto' ? options.delimiter : detectDelimiter(head)
  const decimal =
    options.decimal && options.decimal !== 'auto' ? options.decimal : defaultDecimalFor(delimiter)
  const ingest = new CsvIngest(schema, decimal, { maxColumns })
  let started = false
  let problem: string | null = null
  const splitter = new RecordSplitter({
    delimiter,
    lineBreak: detectLineBreak(head),
    maxFields: maxColumns,
    minParseChars: CHUNK_CHARS,
    events: {
      record: (fields) => {
        if (!started) {
          started = true
          ingest.header(fields)
        } else ingest.row(fields)
        if (ingest.fatal) splitter.stop()
      },
      quotes: (kind) => {
        problem ??=
          kind === 'missing'
            ? `a quoted field is never closed (the record starting on line ${ingest.line}): check the quotes in the file`
            : `a quoted field in the record starting on line ${ingest.line} is malformed: a quote inside quotes must be doubled ("")`
        splitter.stop()
      },
      tooWide: () => {
        ingest.tooWide()
        splitter.stop()
      },
    },
  })

  try {
    let lastProgress = 0
    for await (const chunk of textChunks(source, encoding, CHUNK_CHARS)) {
      if (options.signal?.aborted) problem ??= 'reading was stopped'
      if (splitter.stopped || problem) break
      splitter.push(chunk.text)
      if (options.onProgress && chunk.fraction - lastProgress >= 0.01) {
        lastProgress = chunk.fraction
        options.onProgress(chunk.fraction)
      }
    }
    if (!problem) splitter.end()
  } catch (error) {
    problem ??= `the file could not be read: ${error instanceof Error ? error.message : String(error)}`
  }
  options.onProgress?.(1)
  const result = ingest.finish({ fileName, bytes, delimiter })
  const fatal = problem ?? result.report.fatal
  return { report: { ...result.report, fatal }, rows: fatal ? null : result.rows }
}
