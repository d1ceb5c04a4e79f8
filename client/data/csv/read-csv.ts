import Papa from 'papaparse'
import type { TaskSchema } from '../../../shared/tasks/schema'
import { CsvIngest, type EncodedRows } from './csv-ingest'
import type { CsvReport } from './csv-report'
import { detectDelimiter } from './delimiter'
import { type DecimalMark, defaultDecimalFor } from './number-format'
import { sniffText } from './text-sniff'

export interface CsvReadOptions {
  /** 'auto' lets the parser detect comma, semicolon, tab or pipe from the first lines. */
  readonly delimiter?: 'auto' | ',' | ';' | '\t' | '|'
  /** 'auto': a decimal comma for semicolon-separated files, else a decimal point. */
  readonly decimal?: 'auto' | DecimalMark
  /** Files over this size are refused before any parsing. */
  readonly maxBytes?: number
  readonly onProgress?: (fraction: number) => void
  readonly signal?: AbortSignal
}

export const DEFAULT_MAX_CSV_BYTES = 256 * 1024 * 1024
const CHUNK_BYTES = 4 * 1024 * 1024

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/**
 * Reads a CSV (a File/Blob in a browser worker, or text) through the task schema, streaming: papaparse hands over
 * one record at a time, `CsvIngest` checks and encodes it. Resolves with the report and, unless the file is
 * unusable, the encoded rows. Never throws for bad content: every problem is in the report.
 */
export async function readCsv(
  source: Blob | string,
  fileName: string,
  schema: TaskSchema,
  options: CsvReadOptions = {},
): Promise<{ report: CsvReport; rows: EncodedRows | null }> {
  const bytes = typeof source === 'string' ? new TextEncoder().encode(source).length : source.size
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CSV_BYTES
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
  if (typeof source === 'string') {
    head = source.slice(0, 64 * 1024)
  } else {
    const bytes = new Uint8Array(await source.slice(0, 64 * 1024).arrayBuffer())
    const sniff = sniffText(bytes)
    if (!sniff.ok) return refuse(`"${fileName}" cannot be read as CSV: ${sniff.reason}`)
    head = new TextDecoder().decode(bytes)
  }
  const chosen = options.delimiter && options.delimiter !== 'auto' ? options.delimiter : detectDelimiter(head)

  return new Promise((resolve) => {
    let ingest: CsvIngest | null = null
    const delimiter = chosen
    let lastProgress = 0
    let quoteError: string | null = null
    const finish = () => {
      const active = ingest ?? new CsvIngest(schema, '.')
      const result = active.finish({ fileName, bytes, delimiter })
      const fatal = quoteError ?? result.report.fatal
      resolve({ report: { ...result.report, fatal }, rows: fatal ? null : result.rows })
    }
    const config = {
      delimiter: chosen,
      skipEmptyLines: false,
      header: false,
      chunkSize: CHUNK_BYTES,
      step: (results: Papa.ParseStepResult<string[]>, parser: Papa.Parser) => {
        if (options.signal?.aborted) {
          parser.abort()
          return
        }
        const quotes = results.errors.find((e) => e.type === 'Quotes')
        if (quotes && !quoteError) {
          quoteError = `a quoted field is never closed (record ${(quotes.row ?? 0) + 1}): check the quotes in the file`
          parser.abort()
          return
        }
        if (!ingest) {
          const decimal =
            options.decimal && options.decimal !== 'auto' ? options.decimal : defaultDecimalFor(delimiter)
          ingest = new CsvIngest(schema, decimal)
          if (!ingest.header(results.data)) parser.abort()
          return
        }
        ingest.row(results.data)
        if (options.onProgress && typeof results.meta.cursor === 'number') {
          const fraction = Math.min(1, results.meta.cursor / bytes)
          if (fraction - lastProgress >= 0.01) {
            lastProgress = fraction
            options.onProgress(fraction)
          }
        }
      },
      complete: () => {
        options.onProgress?.(1)
        finish()
      },
      error: (error: Error) => {
        quoteError ??= `the file could not be read: ${error.message}`
        finish()
      },
    }
    if (typeof source === 'string') Papa.parse<string[]>(source, config)
    else Papa.parse<string[], File>(source as File, config)
  })
}
