import { DataHandler, type Table } from '../shared/data/data-handler'
import { GENERATORS } from '../shared/data/generators'
import { type CsvInput, readRunCsv } from './csv-input'
import type { RunOptions } from './options'

/** The data of a run, and for a person's CSV what was read from it (null for the built-in generator). */
export interface RunData {
  readonly table: Table
  readonly csv: CsvInput | null
}

/**
 * The person's CSV (read as a tab reads it, with the schema from --schema or inferred) or the built-in
 * diabetes-risk generator. Throws naming the option when the data cannot train `options.clients` clients.
 */
export async function runData(options: RunOptions): Promise<RunData> {
  if (options.csv) {
    const csv = await readRunCsv(options.csv.file, options.csv.label, options.schema)
    const need = 20 * options.clients
    if (csv.table.rows.length < need) {
      throw new Error(
        `--csv ${options.csv.file}: ${csv.table.rows.length} valid row${csv.table.rows.length === 1 ? '' : 's'}; need at least ${need} for ${options.clients} client${options.clients === 1 ? '' : 's'}`,
      )
    }
    return { table: csv.table, csv }
  }
  return {
    table: DataHandler.generate(GENERATORS.medical, Math.max(1200, 300 * options.clients), options.seed),
    csv: null,
  }
}
