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
import type { ParticipantPrivacy } from './participant-privacy'
import { forAudience } from './snapshot-audience'

export interface SnapshotSources {
  readonly now: number
  readonly canControl: boolean
  readonly task: TaskInfo
  readonly summary: TaskSummary
  readonly tasks: readonly TaskSummary[]
  readonly state: RoundState
  readonly model: { readonly round: number; readonly version: string }
  readonly history: readonly RoundRecord[]
  readonly earlierRuns: DashboardSnapshot['earlierRuns']
  readonly lastMetrics: ReadonlyMap<ClientId, { readonly loss: number; readonly accuracy: number }>
  /** Each tab's example-level (DP-SGD) epsilon, and the epsilon against the public (`ParticipantPrivacy`). */
  readonly participants: Pick<ParticipantPrivacy, 'exampleEpsilon' | 'publicEpsilon'>
  readonly encryption: DashboardSnapshot['encryption']
  readonly statistics: DashboardSnapshot['statistics']
  readonly events: readonly EventEntry[]
}

/**
 * The live page's view of one task: a pure projection of the round state and what the task keeps beside it, cut
 * to the per-round aggregates for a page without the control token (`forAudience`).
 */
export function dashboardSnapshot(s: SnapshotSources): Omit<DashboardSnapshot, 'chainHeight' | 'refusals'> {
  const { state } = s
  const round = state.round
  const { delta } = state.config.privacy
  const publicEpsilon = s.participants.publicEpsilon(delta)
  const clients: ClientView[] = [...state.clients.values()].map((client) => ({
    id: client.id,
    backend: client.backend,
    examples: client.examples,
    status: client.status,
    progress: client.progress,
    lastUpdate: client.lastSeen,
    lastLoss: s.lastMetrics.get(client.id)?.loss ?? null,
    lastAccuracy: s.lastMetrics.get(client.id)?.accuracy ?? null,
    exampleEpsilon: s.participants.exampleEpsilon(client.id, delta),
    holdsKey: state.keyHolders.holders.has(client.id),
  }))
  return forAudience(
    {
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
      run: state.run,
      history: s.history,
      earlierRuns: s.earlierRuns,
      abandoned: state.outcomes.filter((o) => o.status === 'abandoned').length,
      privacy: {
        ...state.config.privacy,
        rounds: ledgerSteps(state.privacyLedger),
        epsilon: ledgerEpsilon(state.privacyLedger, delta),
        publicEpsilon: publicEpsilon.epsilon,
        maxParticipations: publicEpsilon.participations,
      },
      statistics: s.statistics,
      encryption: s.encryption,
      events: s.events,
    },
    s.canControl,
  )
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
    run: state.run,
    completedRounds: state.completedRounds,
    rounds: state.config.rounds,
  }
}
