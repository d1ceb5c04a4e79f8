import { randomHexId } from '../../shared/ids'
import { poolColumnStatistics } from '../../shared/privacy/pooled-statistics'
import type { ColumnStatisticsReport, FederatedStatistics } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { ClientId } from '../../shared/rounds/state'
import type { TaskSchema } from '../../shared/tasks/schema'

/**
 * A CSV task's federated column statistics: one open request at a time (a new one replaces it), each tab's local-DP
 * report kept once, pooled into each column's own units for the live page.
 */
export class ColumnStatistics {
  #open: {
    requestId: string
    epsilon: number
    requestedAt: number
    reports: Map<ClientId, ColumnStatisticsReport>
  } | null = null

  constructor(private readonly schema: TaskSchema) {}

  /** A new request to the `ready` tabs, each spending `epsilon` on its rows: what to send and the log line. */
  request(
    epsilon: number,
    ready: number,
    now: number,
  ): Result<{ request: { requestId: string; epsilon: number }; note: string }> {
    if (ready === 0) return fail('invalid-state', 'no tab has joined this task yet')
    const requestId = randomHexId(8)
    this.#open = { requestId, epsilon, requestedAt: now, reports: new Map() }
    const note = `asked ${ready} tabs for column statistics at epsilon ${epsilon} each (local DP, Laplace)`
    return ok({ request: { requestId, epsilon }, note })
  }

  report(id: ClientId, report: ColumnStatisticsReport): Result<null> {
    const current = this.#open
    if (!current || current.requestId !== report.requestId) {
      return fail('stale-round', `no statistics request ${report.requestId} is open`)
    }
    if (current.reports.has(id))
      return fail('duplicate-update', `${id} already sent statistics for ${report.requestId}`)
    current.reports.set(id, report)
    return ok(null)
  }

  pooled(): FederatedStatistics | null {
    const current = this.#open
    if (!current) return null
    const reports = [...current.reports.values()]
    return {
      requestId: current.requestId,
      epsilon: current.epsilon,
      requestedAt: current.requestedAt,
      reports: reports.length,
      columns: poolColumnStatistics(reports, this.schema),
    }
  }
}
