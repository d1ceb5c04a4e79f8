import { type InferredSchema, SchemaInference } from '../../../shared/tasks/schema-inference'
import { DEFAULT_MAX_CSV_COLUMNS } from './csv-ingest'
import { streamCsvRecords } from './csv-records'
import type { DecimalMark } from './number-format'
import { DEFAULT_MAX_CSV_BYTES } from './read-csv'

/**
 * A task schema inferred from a CSV's content (`SchemaInference`), read as `readCsv` reads it: the same encoding
 * sniffing, delimiter and decimal mark, record splitting and limits, so a schema inferred here reads the same file
 * in `readCsv`. Never throws for bad content: the reason is in the result.
 */
export async function inferCsvSchema(
  source: Blob | string,
  /** `label`: the label column, when the caller names it (else it is inferred). */
  options: { maxBytes?: number; maxColumns?: number; label?: string } = {},
): Promise<InferredSchema & { delimiter: string; decimal: DecimalMark }> {
  const bytes = typeof source === 'string' ? source.length : source.size
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CSV_BYTES
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_CSV_COLUMNS
  const refuse = (message: string) => ({ ok: false as const, message, delimiter: ',', decimal: '.' as const })
  if (bytes > maxBytes)
    return refuse(`the file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`)
  if (bytes === 0) return refuse('the file is empty')
  let inference: SchemaInference | null = null
  let problem: string | null = null
  const read = await streamCsvRecords(source, { maxColumns }, ({ decimal }) => {
    const reader = new SchemaInference(decimal, options.label === undefined ? {} : { label: options.label })
    inference = reader
    return {
      header: (fields) => reader.header(fields),
      row: (fields) => {
        reader.row(fields)
        return true
      },
      tooWide: () => {
        problem ??= `a line has more than ${maxColumns} columns, the most this page reads`
      },
      where: () => '',
    }
  })
  if (!read.ok) return refuse(`the file cannot be read as CSV: ${read.reason}`)
  problem ??= read.problem
  const { delimiter, decimal } = read
  if (problem) return refuse(problem)
  if (!inference) return refuse('the file has no header')
  return { ...(inference as SchemaInference).finish(), delimiter, decimal }
}
