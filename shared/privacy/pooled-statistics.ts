import type { ColumnStatisticsReport, FederatedStatistics } from '../protocol/statistics'
import type { TaskSchema } from '../tasks/schema'

/**
 * Pools tabs' noised column statistics (count, sum, sum of squares of values encoded to [-1, 1]) into a mean and
 * standard deviation per numeric column, mapped back to the column's units through its declared range. Post-processing
 * of DP releases: it spends nothing more. Counts are floored at 1 and variances at 0 (noise can push them below).
 */
export function poolColumnStatistics(
  reports: readonly ColumnStatisticsReport[],
  schema: TaskSchema,
): FederatedStatistics['columns'] {
  return schema.features.flatMap((column) => {
    if (column.type !== 'numeric' && column.type !== 'integer') return []
    let count = 0
    let sum = 0
    let sumSquares = 0
    for (const report of reports) {
      const mine = report.columns.find((c) => c.name === column.name)
      if (!mine) continue
      count += mine.count
      sum += mine.sum
      sumSquares += mine.sumSquares
    }
    const n = Math.max(1, count)
    const mean = Math.min(1, Math.max(-1, sum / n))
    const variance = Math.max(0, sumSquares / n - mean * mean)
    const half = (column.max - column.min) / 2
    return [
      { name: column.name, count, mean: column.min + (mean + 1) * half, std: Math.sqrt(variance) * half },
    ]
  })
}
