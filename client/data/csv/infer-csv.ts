import { type InferredSchema, SchemaInference } from '../../../shared/tasks/schema-inference'
import { DEFAULT_MAX_CSV_COLUMNS } from './csv-ingest'
import { detectDelimiter, detectLineBreak } from './delimiter'
import { type DecimalMark, defaultDecimalFor } from './number-format'
import { DEFAULT_MAX_CSV_BYTES } from './read-csv'
import { RecordSplitter } from './record-splitter'
import { textChunks } from './text-chunks'
import { sniffText, type TextEncoding } from './text-sniff'

const CHUNK_CHARS = 4 * 1024 * 1024
const HEAD_BYTES = 64 * 1024

/**
 * A task schema inferred from a CSV's content (`SchemaInference`), read as `readCsv` reads it: the same encoding
 * sniffing, delimiter and decimal mark, record splitting and limits, so a schema inferred here reads the same file
 * in `readCsv`. Never throws for bad content: the reason is in the result.
 */
export async function inferCsvSchema(
  source: Blob | string,
  options: { maxBytes?: number; maxColumns?: number } = {},
): Promise<InferredSchema & { delimiter: string; decimal: DecimalMark }> {
  const bytes = typeof source === 'string' ? source.length : source.size
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CSV_BYTES
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_CSV_COLUMNS
  const refuse = (message: string) => ({ ok: false as const, message, delimiter: ',', decimal: '.' as const })
  if (bytes > maxBytes)
    return refuse(`the file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`)
  if (bytes === 0) return refuse('the file is empty')
  let head: string
  let encoding: TextEncoding = 'utf-8'
  if (typeof source === 'string') head = source.slice(0, HEAD_BYTES)
  else {
    const start = new Uint8Array(await source.slice(0, HEAD_BYTES).arrayBuffer())
    const sniff = sniffText(start)
    if (!sniff.ok) return refuse(`the file cannot be read as CSV: ${sniff.reason}`)
    encoding = sniff.encoding
    head = new TextDecoder(encoding).decode(start, { stream: true })
  }
  const delimiter = detectDelimiter(head)
  const decimal = defaultDecimalFor(delimiter)
  const inference = new SchemaInference(decimal)
  let started = false
  let problem: string | null = null
  const splitter = new RecordSplitter({
    delimiter,
    lineBreak: detectLineBreak(head),
    maxFields: maxColumns,
    minParseChars: CHUNK_CHARS,
    events: {
      record: (fields) => {
        if (fields.length > maxColumns) {
          problem ??= `a line has more than ${maxColumns} columns, the most this page reads`
          splitter.stop()
        } else if (!started) {
          started = true
          if (!inference.header(fields)) splitter.stop()
        } else inference.row(fields)
      },
      quotes: (kind) => {
        problem ??=
          kind === 'missing'
            ? 'a quoted field is never closed: check the quotes in the file'
            : 'a quoted field is malformed: a quote inside quotes must be doubled ("")'
        splitter.stop()
      },
      tooWide: () => {
        problem ??= `a line has more than ${maxColumns} columns, the most this page reads`
        splitter.stop()
      },
    },
  })
  try {
    for await (const chunk of textChunks(source, encoding, CHUNK_CHARS)) {
      if (splitter.stopped || problem) break
      splitter.push(chunk.text)
    }
    if (!problem) splitter.end()
  } catch (error) {
    problem ??= `the file could not be read: ${error instanceof Error ? error.message : String(error)}`
  }
  if (problem) return refuse(problem)
  return { ...inference.finish(), delimiter, decimal }
}
