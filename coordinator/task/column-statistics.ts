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

  /** A new request: its id (random), to send to every tab. */
  open(epsilon: number, now: number): { requestId: string; epsilon: number } {
    const bytes = crypto.getRandomValues(new Uint8Array(8))
    const requestId = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
    this.#open = { requestId, epsilon, requestedAt: now, reports: new Map() }
    return { requestId, epsilon }
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
