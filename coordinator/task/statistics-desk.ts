import type { ColumnStatisticsReport, FederatedStatistics, TaskInfo } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { ClientId } from '../../shared/rounds/state'
import type { EventLog } from '../event-log'
import { ColumnStatistics } from './column-statistics'
import type { FederationOutbox } from './federation-ports'

/**
 * A task's column-statistics requests, between the live page and the tabs: a request goes to every tab (each spends
 * its own epsilon on its rows, local DP), reports are pooled by `ColumnStatistics`. Only CSV tasks have columns.
 */
export class StatisticsDesk {
  readonly #statistics: ColumnStatistics | null

  constructor(
    task: TaskInfo,
    private readonly outbox: FederationOutbox,
    private readonly log: EventLog,
  ) {
    this.#statistics = task.dataset.kind === 'csv' ? new ColumnStatistics(task.dataset.schema) : null
  }

  /** Opens a request to the `tabs` ready tabs, each spending `epsilon`; it replaces the previous one. */
  request(epsilon: number, tabs: number, now: number): Result<string> {
    if (!this.#statistics) return fail('invalid-state', 'column statistics need a CSV task')
    const opened = this.#statistics.request(epsilon, tabs, now)
    if (!opened.ok) return opened
    this.outbox.toAll('statistics:request', opened.value.request)
    this.log.announce('info', opened.value.note)
    this.outbox.changed()
    return ok(opened.value.request.requestId)
  }

  /** A tab's answer; `ready` says whether the tab has joined with its data. */
  report(id: ClientId, ready: boolean, report: ColumnStatisticsReport): Result<null> {
    if (!ready) return fail('not-joined', `${id} has not joined`)
    if (!this.#statistics) return fail('stale-round', `no statistics request ${report.requestId} is open`)
    const result = this.#statistics.report(id, report)
    if (result.ok) this.outbox.changed()
    return result
  }

  pooled(): FederatedStatistics | null {
    return this.#statistics?.pooled() ?? null
  }
}
