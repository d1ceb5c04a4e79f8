import type { DashboardSnapshot, EventEntry, RoundRecord } from '../../shared/protocol'

type TaskView = Omit<DashboardSnapshot, 'chainHeight' | 'refusals'>

/**
 * What a live page without the control token receives: the per-round aggregates only. The page is served to
 * anyone, so everything in it is seen by the public (README, "Differential privacy": the adversary named there).
 * - `clients` (each tab's status, which says who was sampled; its example count, training metrics, epsilon) is null;
 * - each round keeps its participant count, summed examples and global metrics, but not its per-tab verdicts;
 * - the event log keeps the entries written with `EventLog.announce` (none names a tab).
 * With the token the view is returned as it is. Pinned by tests/e2e/dashboard-audience.e2e.test.ts (socket frames).
 */
export function forAudience(view: TaskView, canControl: boolean): TaskView {
  if (canControl) return view
  return {
    ...view,
    clients: null,
    history: view.history.map(publicRecord),
    earlierRuns: view.earlierRuns.map(({ run, history }) => ({ run, history: history.map(publicRecord) })),
    events: publicEvents(view.events),
  }
}

/** A round's record without its per-tab verdicts. */
export function publicRecord(record: RoundRecord): RoundRecord {
  if (record.verdicts === undefined) return record
  const { verdicts: _perTab, ...aggregate } = record
  return aggregate
}

/** The entries anyone may read. */
export function publicEvents(events: readonly EventEntry[]): readonly EventEntry[] {
  return events.filter((e) => e.public === true)
}
