/** Federated column statistics of a CSV task: the request to the tabs, each tab's local-DP report, the pooled result. */
import { z } from 'zod'
import { taskIdSchema } from '../ids'

/** Asks every tab of a CSV task for local-DP column statistics (numeric columns, encoded to [-1, 1]). */
export interface StatisticsRequest {
  readonly requestId: string
  readonly epsilon: number
}

/** A tab's noised count, sum and sum of squares per numeric column, in encoded units. */
export interface ColumnStatisticsReport {
  readonly requestId: string
  readonly columns: readonly {
    readonly name: string
    readonly count: number
    readonly sum: number
    readonly sumSquares: number
  }[]
}

export const statisticsReportSchema = z.object({
  requestId: z.string().min(1).max(100),
  columns: z
    .array(
      z.object({
        name: z.string().min(1).max(200),
        count: z.number(),
        sum: z.number(),
        sumSquares: z.number(),
      }),
    )
    .max(2000),
}) satisfies z.ZodType<ColumnStatisticsReport>

/** The coordinator page's `dashboard:statistics`: ask a task's tabs, each spending `epsilon` on its rows. */
export const statisticsRequestSchema = z.object({ taskId: taskIdSchema, epsilon: z.number().gt(0).max(1000) })
export type DashboardStatisticsRequest = Readonly<z.infer<typeof statisticsRequestSchema>>

/** The pooled result, in each column's own units, as the coordinator page shows it. */
export interface FederatedStatistics {
  readonly requestId: string
  readonly epsilon: number
  readonly requestedAt: number
  readonly reports: number
  readonly columns: readonly {
    readonly name: string
    readonly count: number
    readonly mean: number
    readonly std: number
  }[]
}
