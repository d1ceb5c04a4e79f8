import { describeModel } from '../../shared/model/spec'
import { ledgerEpsilon, ledgerSteps } from '../../shared/privacy/ledger'
import type {
  ClientView,
  DashboardSnapshot,
  EventEntry,
  RoundRecord,
  TaskInfo,
  TaskSummary,
} from '../../shared/protocol'
import { type ClientId, phaseOf, type RoundState } from '../../shared/rounds/state'

export interface SnapshotSources {
  readonly now: number
  readonly canControl: boolean
  readonly task: TaskInfo
  readonly summary: TaskSummary
  readonly tasks: readonly TaskSummary[]
  readonly state: RoundState
  readonly model: { readonly round: number; readonly version: string }
  readonly history: readonly RoundRecord[]
  readonly lastMetrics: ReadonlyMap<ClientId, { readonly loss: number; readonly accuracy: number }>
  /** Each tab's example-level (DP-SGD) epsilon; null without DP-SGD. */
  readonly exampleEpsilon: (id: ClientId) => number | null
  readonly encryption: DashboardSnapshot['encryption']
  readonly statistics: DashboardSnapshot['statistics']
  readonly events: readonly EventEntry[]
}

/** The live page's view of one task: a pure projection of the round state and what the task keeps beside it. */
export function dashboardSnapshot(s: SnapshotSources): Omit<DashboardSnapshot, 'chainHeight' | 'refusals'> {
  const { state } = s
  const round = state.round
  const clients: ClientView[] = [...state.clients.values()].map((client) => ({
    id: client.id,
    backend: client.backend,
    examples: client.examples,
    status: client.status,
    progress: client.progress,
    lastUpdate: client.lastSeen,
    lastLoss: s.lastMetrics.get(client.id)?.loss ?? null,
    lastAccuracy: s.lastMetrics.get(client.id)?.accuracy ?? null,
    exampleEpsilon: s.exampleEpsilon(client.id),
    holdsKey: state.keyHolders.holders.has(client.id),
  }))
  return {
    now: s.now,
    phase: phaseOf(state),
    stopped: state.stopped,
    canControl: s.canControl,
    config: state.config,
    task: { ...s.summary, schema: s.task.dataset.kind === 'csv' ? s.task.dataset.schema : null },
    tasks: s.tasks,
    model: s.model,
    round: round && {
      number: round.number,
      startedAt: round.startedAt,
      deadline: round.deadline,
      selected: round.selected.length,
      reported: round.reported.size,
      dropped: round.dropped.size,
    },
    clients,
    history: s.history,
    abandoned: state.outcomes.filter((o) => o.status === 'abandoned').length,
    privacy: {
      ...state.config.privacy,
      rounds: ledgerSteps(state.privacyLedger),
      epsilon: ledgerEpsilon(state.privacyLedger, state.config.privacy.delta),
    },
    statistics: s.statistics,
    encryption: s.encryption,
    events: s.events,
  }
}

/** A task as lists show it: what it is and how its training stands. */
export function taskSummary(task: TaskInfo, parameters: number, state: RoundState): TaskSummary {
  return {
    id: task.id,
    name: task.name,
    description: task.description,
    source: task.dataset.kind,
    model: describeModel(task.model),
    parameters,
    clients: state.clients.size,
    phase: phaseOf(state),
    completedRounds: state.completedRounds,
    rounds: state.config.rounds,
  }
}
