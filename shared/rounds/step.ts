import { addStep, ledgerEpsilon } from '../privacy/ledger'
import type { RandomSource } from '../random'
import { sampleWithoutReplacement } from '../random'
import { fail, ok, type ProtocolError, type Result } from '../result'
import { quorumFor, type TrainingConfig } from './config'
import { abandonReason, DECLINED, declinedStop } from './declined-round'
import { refuseRound } from './refuse-round'
import type {
  ActiveRound,
  ClientId,
  ClientRecord,
  ClientStatus,
  Effect,
  Input,
  RoundPlan,
  RoundPrivacy,
  RoundState,
} from './state'
import { readyClients } from './state'

/** What `step` needs besides state and input: the random source that samples clients. */
export interface StepDeps {
  readonly random: RandomSource
}

export interface StepResult {
  readonly state: RoundState
  readonly effects: readonly Effect[]
}

/**
 * The coordinator's round logic as a pure function: wait for `minClients` ready clients, sample a round, collect
 * updates until every selected client has reported or dropped out (left, or missed the deadline), then aggregate
 * if a quorum reported and abandon the round otherwise, and go on until `rounds` rounds are aggregated.
 * Time is an input (`now` on every input), so deadlines need no timers; a `tick` input only advances the clock.
 * A round's plan (in the clear or encrypted), its privacy and who may take part (under encryption: the key holders,
 * from `key-custody` inputs) are decided here when it starts, and every accepted update's report is kept in it.
 */
export function step(state: RoundState, input: Input, deps: StepDeps): StepResult {
  const effects: Effect[] = []
  let next = expireDeadline(state, input.now, effects)
  next = apply(next, input, effects)
  next = startRoundIfDue(next, input.now, deps, effects)
  return { state: next, effects }
}

function apply(state: RoundState, input: Input, effects: Effect[]): RoundState {
  switch (input.type) {
    case 'hello': {
      const client: ClientRecord = {
        id: input.id,
        backend: input.backend,
        examples: 0,
        ready: false,
        status: 'loading',
        progress: 0,
        joinedAt: input.now,
        lastSeen: input.now,
      }
      return { ...state, clients: withClient(state.clients, client) }
    }
    case 'ready': {
      const client = state.clients.get(input.id)
      if (!client) return reject(state, effects, 'not-joined', `client ${input.id} has not said hello`)
      const status: ClientStatus = state.round ? 'waiting' : 'idle'
      effects.push({ type: 'ack', result: ok(null) })
      const ready = { ...client, ready: true, examples: input.examples, status, lastSeen: input.now }
      return { ...state, clients: withClient(state.clients, ready) }
    }
    case 'leave': {
      if (!state.clients.has(input.id)) return state
      const clients = new Map(state.clients)
      clients.delete(input.id)
      const round = state.round
      if (!round?.selected.includes(input.id) || round.reported.has(input.id)) {
        return { ...state, clients }
      }
      effects.push({ type: 'client-dropped', id: input.id, round: round.number, reason: 'left' })
      const dropped = new Map(round.dropped).set(input.id, 'left')
      return concludeIfSettled({ ...state, clients, round: { ...round, dropped } }, input.now, effects)
    }
    case 'progress': {
      const client = state.clients.get(input.id)
      if (client?.status !== 'training' || state.round?.number !== input.round) return state
      const progress = Math.min(1, Math.max(0, input.fraction))
      return { ...state, clients: withClient(state.clients, { ...client, progress, lastSeen: input.now }) }
    }
    case 'update':
      return acceptUpdate(state, input, effects)
    case 'refused-update':
      return refuseUpdate(state, input, effects)
    case 'decline': {
      const slot = updateSlot(state, input.id, input.round)
      if (!slot.ok) return reject(state, effects, slot.error.code, slot.error.message)
      return dropFromRound(state, slot, `${DECLINED}${input.reason}`, ok(null), input.now, effects)
    }
    case 'refuse-round':
      return refuseRound(state, input, effects)
    case 'key-custody':
      return { ...state, keyHolders: { keyId: input.keyId, holders: new Set(input.holders) } }
    case 'tick':
      return state
    case 'start': {
      const budget = budgetProblem(state)
      if (budget) return reject(state, effects, 'over-budget', budget.message)
      if (state.completedRounds >= state.config.rounds) {
        const done = `all ${state.config.rounds} rounds are done: raise the number of rounds or reset`
        return reject(state, effects, 'invalid-state', done)
      }
      effects.push({ type: 'ack', result: ok(null) })
      return { ...state, running: true, pauseRequested: false, stopped: null, decliners: [] }
    }
    case 'pause': {
      effects.push({ type: 'ack', result: ok(null) })
      if (state.round) return { ...state, pauseRequested: state.running }
      return { ...state, running: false, pauseRequested: false }
    }
    case 'reset': {
      if (state.round) effects.push({ type: 'round-abandoned', round: state.round.number, reason: 'reset' })
      effects.push({ type: 'reset' }, { type: 'ack', result: ok(null) })
      const clients = new Map<ClientId, ClientRecord>()
      for (const client of state.clients.values()) {
        clients.set(client.id, { ...client, status: client.ready ? 'idle' : client.status, progress: 0 })
      }
      return {
        ...state,
        running: false,
        pauseRequested: false,
        stopped: null,
        // A new run: its rounds are numbered from 1 again, apart from the old run's.
        run: state.run + 1,
        nextRound: 1,
        completedRounds: 0,
        round: null,
        clients,
        outcomes: [],
        privacyLedger: [],
      }
    }
    case 'configure':
      effects.push({ type: 'ack', result: ok(null) })
      // A budget stop stands until the privacy settings change (a new budget), a start or a reset.
      return {
        ...state,
        config: input.config,
        stopped: samePrivacy(state.config, input.config) ? state.stopped : null,
      }
    default: {
      const _exhaustive: never = input
      throw new Error(`unknown input ${JSON.stringify(_exhaustive)}`)
    }
  }
}

/**
 * Why an update from `id` for round `number` cannot be taken now (not joined, no such round running, not selected,
 * dropped, already reported), or the client and round it belongs to.
 */
function updateSlot(
  state: RoundState,
  id: ClientId,
  number: number,
): { ok: true; client: ClientRecord; round: ActiveRound } | { ok: false; error: ProtocolError } {
  const problem = (code: ProtocolError['code'], message: string) => ({
    ok: false as const,
    error: { code, message },
  })
  const client = state.clients.get(id)
  if (!client?.ready) return problem('not-joined', `client ${id} has not joined`)
  const round = state.round
  if (!round || round.number !== number) {
    const current = round ? `round ${round.number} is running` : 'no round is running'
    return problem('stale-round', `update for round ${number}, but ${current}`)
  }
  if (!round.selected.includes(id))
    return problem('not-selected', `${id} was not selected for round ${round.number}`)
  const dropReason = round.dropped.get(id)
  if (dropReason !== undefined) {
    const code = dropReason === 'missed the deadline' ? 'deadline-passed' : 'stale-round'
    return problem(code, `${id} was dropped from round ${round.number}: ${dropReason}`)
  }
  if (round.reported.has(id))
    return problem('duplicate-update', `${id} already sent its update for round ${round.number}`)
  return { ok: true, client, round }
}

/**
 * A signed update the gateway refused as broken: the client is dropped from the round with the reason, the refusal
 * is kept for the round's record (where it is rejected, and a stake slashed), and the client is told `error`. An
 * update that could not have been taken anyway (stale, not selected, a second one) is only refused with `error`.
 */
function refuseUpdate(
  state: RoundState,
  input: Extract<Input, { type: 'refused-update' }>,
  effects: Effect[],
): RoundState {
  // An update nobody waits for is refused for what is wrong with it, as before it was signed.
  const slot = updateSlot(state, input.id, input.round)
  if (!slot.ok) return reject(state, effects, input.error.code, input.error.message)
  const { client, round } = slot
  const why = `update refused (${input.reason}): ${input.error.message}`
  const { reason, updateHash, address } = input
  const refusal = {
    reason,
    updateHash,
    address,
    examples: Math.max(1, client.examples),
    detail: input.error.message,
  }
  const refused = new Map(round.refused).set(input.id, refusal)
  const withRefusal = { ...state, round: { ...round, refused } }
  return dropFromRound(withRefusal, slot, why, { ok: false, error: input.error }, input.now, effects)
}

/** Drops a selected client from the running round with `why`, answers it `ack`, and ends the round if settled. */
function dropFromRound(
  state: RoundState,
  { client, round }: { client: ClientRecord; round: ActiveRound },
  why: string,
  ack: Result<null, ProtocolError>,
  now: number,
  effects: Effect[],
): RoundState {
  const current = state.round ?? round
  effects.push({ type: 'client-dropped', id: client.id, round: current.number, reason: why })
  effects.push({ type: 'ack', result: ack })
  const dropped = new Map(current.dropped).set(client.id, why)
  const clients = withClient(state.clients, { ...client, status: 'dropped', lastSeen: now })
  return concludeIfSettled({ ...state, clients, round: { ...current, dropped } }, now, effects)
}

function acceptUpdate(
  state: RoundState,
  input: Extract<Input, { type: 'update' }>,
  effects: Effect[],
): RoundState {
  const slot = updateSlot(state, input.id, input.round)
  if (!slot.ok) return reject(state, effects, slot.error.code, slot.error.message)
  const { client, round } = slot
  if (input.examples > client.examples) {
    const claim = `update claims ${input.examples} examples, but ${input.id} declared ${client.examples}`
    return reject(state, effects, 'bad-payload', claim)
  }
  // DP-FedAvg sums clipped, noised updates with weight 1 over a fixed denominator; FedAvg weighs by examples.
  // Declared counts buy weight only up to the round's cap (aggregation and rewards alike).
  const capped = Math.min(input.examples, round.maxWeight)
  const weight = round.privacy ? 1 : capped
  effects.push({ type: 'accumulate', id: input.id, round: round.number, examples: input.examples, weight })
  effects.push({ type: 'ack', result: ok(null) })
  const { examples, updateHash, address, loss, accuracy } = input
  const reported = new Map(round.reported).set(input.id, {
    examples,
    weight: capped,
    updateHash,
    address,
    loss,
    accuracy,
  })
  const submitted: ClientRecord = { ...client, status: 'submitted', progress: 1, lastSeen: input.now }
  const next = { ...state, clients: withClient(state.clients, submitted), round: { ...round, reported } }
  return concludeIfSettled(next, input.now, effects)
}

/** Drops every selected client that has not reported once the deadline has passed. */
function expireDeadline(state: RoundState, now: number, effects: Effect[]): RoundState {
  const round = state.round
  if (!round || now < round.deadline) return state
  const dropped = new Map(round.dropped)
  const clients = new Map(state.clients)
  for (const id of round.selected) {
    if (round.reported.has(id) || dropped.has(id)) continue
    dropped.set(id, 'missed the deadline')
    const client = clients.get(id)
    if (client) clients.set(id, { ...client, status: 'dropped' })
    effects.push({ type: 'client-dropped', id, round: round.number, reason: 'missed the deadline' })
  }
  return concludeIfSettled({ ...state, clients, round: { ...round, dropped } }, now, effects)
}

/**
 * Ends the round once every selected client has reported or dropped: aggregate with a quorum, else abandon, and stop
 * training (`stopped`) when declines alone made the quorum unreachable (`declinedStop`).
 */
function concludeIfSettled(state: RoundState, now: number, effects: Effect[]): RoundState {
  const round = state.round
  if (!round || round.reported.size + round.dropped.size < round.selected.length) return state
  const quorum = quorumFor(state.config, round.selected.length)
  const participants = [...round.reported.keys()]
  const examples = [...round.reported.values()].reduce((sum, report) => sum + report.examples, 0)
  const completed = round.reported.size >= quorum
  const reason = completed ? undefined : abandonReason(round, quorum)
  if (completed) {
    effects.push({
      type: 'round-completed',
      round: round.number,
      plan: round.plan,
      privacy: round.privacy,
      epsilonAfter: round.epsilonAfter,
      startedAt: round.startedAt,
      participants,
      examples,
      reports: round.reported,
      refused: round.refused,
    })
  } else effects.push({ type: 'round-abandoned', round: round.number, reason: reason! })
  // Declined by too many for a quorum: the next round would be too (`declinedStop`), so training stops.
  const declines = completed
    ? { stop: null, decliners: [] }
    : declinedStop(
        round,
        quorum,
        state.decliners ?? [],
        readyClients(state).map((c) => c.id),
      )
  const declined = declines.stop

  const completedRounds = state.completedRounds + (completed ? 1 : 0)
  const finished = completedRounds >= state.config.rounds
  if (finished) effects.push({ type: 'training-finished', completedRounds })
  const clients = new Map<ClientId, ClientRecord>()
  for (const client of state.clients.values()) {
    clients.set(client.id, client.ready ? { ...client, status: 'idle', progress: 0 } : client)
  }
  return {
    ...state,
    clients,
    round: null,
    completedRounds,
    running: state.running && !state.pauseRequested && !finished && !declined,
    pauseRequested: false,
    stopped: declined ?? state.stopped,
    decliners: declines.decliners,
    outcomes: [
      ...state.outcomes,
      {
        round: round.number,
        status: completed ? 'completed' : 'abandoned',
        selected: round.selected.length,
        participants,
        examples,
        ...(reason === undefined ? {} : { reason }),
        startedAt: round.startedAt,
        endedAt: now,
      },
    ],
  }
}

/** Why the next DP round may not run (it would exceed the epsilon budget), or null. */
function budgetProblem(
  state: RoundState,
): { spent: number; next: number; budget: number; message: string } | null {
  const dp = state.config.privacy
  if (dp.mode === 'off') return null
  const spent = ledgerEpsilon(state.privacyLedger, dp.delta)
  const next = ledgerEpsilon(addStep(state.privacyLedger, dp.sampleRate, dp.noiseMultiplier), dp.delta)
  if (next <= dp.epsilonBudget) return null
  const message = `the privacy budget is spent: epsilon ${spent.toFixed(3)} so far, the next round would reach ${next.toFixed(3)} > ${dp.epsilonBudget} (delta ${dp.delta})`
  return { spent, next, budget: dp.epsilonBudget, message }
}

/** How a DP round's clients protect their updates (null without DP). */
function roundPrivacy(state: RoundState, selected: number, ready: number): RoundPrivacy | null {
  const dp = state.config.privacy
  if (dp.mode === 'off') return null
  const full = dp.noiseMultiplier * dp.clipNorm
  const share = full / Math.sqrt(quorumFor(state.config, Math.max(1, selected)))
  return {
    mode: dp.mode,
    clipNorm: dp.clipNorm,
    noiseStd: dp.mode === 'local' ? full : share,
    denominator: dp.sampleRate * ready,
  }
}

/** Encrypted when encryption is on and the task has a key; then only the tabs holding it can take part. */
function planOf(state: RoundState): RoundPlan {
  const { keyId } = state.keyHolders
  return state.config.encryption.mode !== 'off' && keyId ? { kind: 'encrypted', keyId } : { kind: 'plain' }
}

function startRoundIfDue(
  state: RoundState,
  now: number,
  { random }: StepDeps,
  effects: Effect[],
): RoundState {
  if (!state.running || state.round || state.pauseRequested) return state
  if (state.completedRounds >= state.config.rounds) return state
  const encrypted = state.config.encryption.mode !== 'off'
  const ready = readyClients(state).filter((client) => !encrypted || state.keyHolders.holders.has(client.id))
  if (ready.length < state.config.minClients) return state
  const dp = state.config.privacy
  const budget = budgetProblem(state)
  if (budget) {
    effects.push({ type: 'budget-exhausted', spent: budget.spent, next: budget.next, budget: budget.budget })
    return { ...state, running: false, pauseRequested: false, stopped: budget.message }
  }
  const ids = ready.map((client) => client.id)
  // Without DP, the tabs that declined since the last completed round sit out (they would decline again); with DP,
  // Poisson sampling: each ready client joins independently with probability q (the accountant's model).
  const candidates = ids.filter((id) => !state.decliners?.includes(id))
  const wanted = state.config.clientsPerRound === 0 ? candidates.length : state.config.clientsPerRound
  const selected =
    dp.mode === 'off'
      ? sampleWithoutReplacement(candidates, Math.min(wanted, candidates.length), random)
      : ids.filter(() => random() < dp.sampleRate)
  const privacyLedger =
    dp.mode === 'off' ? state.privacyLedger : addStep(state.privacyLedger, dp.sampleRate, dp.noiseMultiplier)
  const deadline = now + state.config.roundDeadlineMs
  const round: ActiveRound = {
    number: state.nextRound,
    plan: planOf(state),
    privacy: roundPrivacy(state, selected.length, ids.length),
    // The ledger already counts this round's step and no later one: one round starts per step.
    epsilonAfter: dp.mode === 'off' ? null : ledgerEpsilon(privacyLedger, dp.delta),
    startedAt: now,
    deadline,
    selected,
    maxWeight: weightCapOf(state, selected),
    reported: new Map(),
    dropped: new Map(),
    refused: new Map(),
  }
  const clients = new Map(state.clients)
  for (const client of ready) {
    const status: ClientStatus = selected.includes(client.id) ? 'training' : 'idle'
    clients.set(client.id, { ...client, status, progress: 0 })
  }
  effects.push({
    type: 'round-started',
    round: round.number,
    plan: round.plan,
    selected,
    deadline,
    privacy: round.privacy,
    epsilonAfter: round.epsilonAfter,
    maxWeight: round.maxWeight,
  })
  const started = { ...state, clients, round, nextRound: state.nextRound + 1, privacyLedger }
  // Poisson sampling can pick no one: the round ends at once, releasing nothing, and still counts as a DP step.
  return selected.length === 0 ? concludeIfSettled(started, now, effects) : started
}

function withClient(
  clients: ReadonlyMap<ClientId, ClientRecord>,
  client: ClientRecord,
): Map<ClientId, ClientRecord> {
  return new Map(clients).set(client.id, client)
}

function reject(
  state: RoundState,
  effects: Effect[],
  code: ProtocolError['code'],
  message: string,
): RoundState {
  effects.push({ type: 'ack', result: fail(code, message) })
  return state
}

/** Whether two configurations have the same privacy settings (what a budget stop depends on). */
function samePrivacy(a: TrainingConfig, b: TrainingConfig): boolean {
  return JSON.stringify(a.privacy) === JSON.stringify(b.privacy)
}

/**
 * The round's weight cap: `robustness.weightCap` times the median example count its selected clients declared when
 * ready (at least 1). Honest tabs of a non-IID federation differ by small factors; a declared 1e9 buys the cap.
 */
function weightCapOf(state: RoundState, selected: readonly ClientId[]): number {
  const counts = selected.map((id) => state.clients.get(id)?.examples ?? 1).sort((a, b) => a - b)
  if (counts.length === 0) return 1
  const middle = counts.length / 2
  const median = counts.length % 2 ? counts[Math.floor(middle)]! : (counts[middle - 1]! + counts[middle]!) / 2
  return Math.max(1, Math.floor(state.config.robustness.weightCap * median))
}
