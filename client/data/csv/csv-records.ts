import { detectDelimiter, detectLineBreak } from './delimiter'
import { type DecimalMark, defaultDecimalFor } from './number-format'
import { RecordSplitter } from './record-splitter'
import { textChunks } from './text-chunks'
import { sniffText, type TextEncoding } from './text-sniff'

/** Characters gathered before each parse, and the size of the pieces a string is cut into. */
const CHUNK_CHARS = 4 * 1024 * 1024
const HEAD_BYTES = 64 * 1024

/** What reads the records: the first is the header; either returns false to stop reading. */
export interface CsvRecordSink {
  header(fields: string[]): boolean
  row(fields: string[]): boolean
  /** A record wider than the column limit (the file is unusable); the reading stops. */
  tooWide(): void
  /** Where a quoting problem is, for its message, e.g. " (the record starting on line 12)". */
  where(): string
}

export interface CsvRecordOptions {
  readonly delimiter?: 'auto' | ',' | ';' | '\t' | '|'
  readonly decimal?: 'auto' | DecimalMark
  readonly maxColumns: number
  readonly onProgress?: (fraction: number) => void
  readonly signal?: AbortSignal
}

export type CsvRecordsResult =
  | {
      readonly ok: true
      readonly delimiter: string
      readonly decimal: DecimalMark
      readonly problem: string | null
    }
  | { readonly ok: false; readonly reason: string }

/**
 * Streams a CSV's records into `sink`: the bytes decoded piece by piece (UTF-8, or UTF-16 behind a byte order mark,
 * sniffed from the first 64 KiB), the delimiter, line break and decimal mark detected there unless given, and
 * papaparse's splitter cutting records, in time linear in the size. `makeSink` gets the format before the first
 * record. The one reader behind both reading a file through a schema and inferring a schema from it, so a schema
 * inferred from a file reads it the same way. A file that cannot be decoded is refused (`ok: false`); a problem met
 * while reading (quotes, a read error, an abort) stops it and is returned.
 */
export async function streamCsvRecords(
  source: Blob | string,
  options: CsvRecordOptions,
  makeSink: (format: { delimiter: string; decimal: DecimalMark }) => CsvRecordSink,
): Promise<CsvRecordsResult> {
  let head: string
  let encoding: TextEncoding = 'utf-8'
  if (typeof source === 'string') head = source.slice(0, HEAD_BYTES)
  else {
    const start = new Uint8Array(await source.slice(0, HEAD_BYTES).arrayBuffer())
    const sniff = sniffText(start)
    if (!sniff.ok) return { ok: false, reason: sniff.reason }
    encoding = sniff.encoding
    head = new TextDecoder(encoding).decode(start, { stream: true })
  }
  const delimiter =
    options.delimiter && options.delimiter !== 'auto' ? options.delimiter : detectDelimiter(head)
  const decimal =
    options.decimal && options.decimal !== 'auto' ? options.decimal : defaultDecimalFor(delimiter)
  const sink = makeSink({ delimiter, decimal })
  let started = false
  let problem: string | null = null
  const splitter = new RecordSplitter({
    delimiter,
    lineBreak: detectLineBreak(head),
    maxFields: options.maxColumns,
    minParseChars: CHUNK_CHARS,
    events: {
      record: (fields) => {
        const go = started ? sink.row(fields) : sink.header(fields)
        started = true
        if (!go) splitter.stop()
      },
      quotes: (kind) => {
        problem ??=
          kind === 'missing'
            ? `a quoted field is never closed${sink.where()}: check the quotes in the file`
            : `a quoted field${sink.where()} is malformed: a quote inside quotes must be doubled ("")`
        splitter.stop()
      },
      tooWide: () => {
        sink.tooWide()
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
  return { ok: true, delimiter, decimal, problem }
}
