import { requireEpsilon } from '../../../shared/privacy/parameters'
import { privateCount, privateSum } from '../../../shared/privacy/statistics'
import type { ColumnStatisticsReport } from '../../../shared/protocol'
import { type RandomSource, secureRandom } from '../../../shared/random'
import { encodedWidthOf, type TaskSchema } from '../../../shared/tasks/schema'
import type { EncodedRows } from './csv-ingest'

/**
 * A tab's share of federated column statistics, under local DP: for every numeric column, the count, sum and sum of
 * squares of its encoded values (already clamped to [-1, 1] by the schema's declared range), each with discrete
 * Laplace noise on a power-of-two grid (`privateCount`, `privateSum`: Canonne, Kamath and Steinke 2020).
 * One row changes each of the 3k released numbers by at most 1, and each gets epsilon / (3k), so the whole report is
 * epsilon-DP for the tab's rows (basic composition). Only these noised aggregates leave the tab.
 */
export function noisedColumnStatistics(
  rows: EncodedRows,
  schema: TaskSchema,
  epsilon: number,
  random: RandomSource = secureRandom,
): ColumnStatisticsReport['columns'] {
  requireEpsilon(epsilon)
  const numeric: { name: string; offset: number }[] = []
  let offset = 0
  for (const column of schema.features) {
    if (column.type === 'numeric' || column.type === 'integer') numeric.push({ name: column.name, offset })
    offset += encodedWidthOf(column)
  }
  if (numeric.length === 0) return []
  const share = epsilon / (3 * numeric.length)
  const bounds = { lower: -1, upper: 1 }
  return numeric.map(({ name, offset: at }) => {
    const values = Array.from({ length: rows.count }, (_, r) => rows.x[r * rows.width + at]!)
    return {
      name,
      count: privateCount(rows.count, share, random).value,
      sum: privateSum(values, bounds, share, random).value,
      sumSquares: privateSum(
        values.map((v) => v * v),
        { lower: 0, upper: 1 },
        share,
        random,
      ).value,
    }
  })
}
