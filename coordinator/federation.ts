import { applyDelta, FedAvgAccumulator } from '../shared/aggregation/fedavg'
import { addressOf } from '../shared/chain/keys'
import { type Binary, encodeFloat32, firstNonFinite } from '../shared/codec'
import type { HeContextCache } from '../shared/he/context-cache'
import { HeError } from '../shared/he/errors'
import type { EncryptedVector } from '../shared/he/vector'
import { EvaluationTally } from '../shared/metrics/evaluation-tally'
import { initialWeights } from '../shared/model/init'
import { describeModel, parameterCount } from '../shared/model/spec'
import { modelVersion, weightsDigest } from '../shared/model/version'
import { addDpSgdRound } from '../shared/privacy/dp-sgd'
import { ledgerEpsilon, ledgerSteps, type PrivacyLedger } from '../shared/privacy/ledger'
import { poolColumnStatistics } from '../shared/privacy/pooled-statistics'
import type {
  ClientView,
  ColumnStatisticsReport,
  DashboardSnapshot,
  EncryptedUpdateMessage,
  EvaluationReport,
  EventEntry,
  FederatedStatistics,
  GlobalModelMessage,
  KeyEnvelopeMessage,
  LocalTrainingSettings,
  RoundRecord,
  ServerToClientEvents,
  TaskInfo,
  TaskSummary,
  UpdateMessage,
} from '../shared/protocol'
import { type RandomSource, seededRandom } from '../shared/random'
import { fail, ok, type ProtocolError, type Result } from '../shared/result'
import type { TrainingConfig, TrainingConfigPatch } from '../shared/rounds/config'
import { trainingConfigSchema } from '../shared/rounds/config'
import {
  type ClientId,
  type Effect,
  type Input,
  initialRoundState,
  phaseOf,
  type RoundPrivacy,
  type RoundState,
} from '../shared/rounds/state'
import { step } from '../shared/rounds/step'
import { EventLog } from './event-log'
import { EncryptedRounds } from './he/encrypted-rounds'
import type { KeyCustody } from './he/key-custody'

/** How the federation reaches clients; the socket layer implements it. */
export interface FederationOutbox {
  toClient<E extends keyof ServerToClientEvents>(
    id: ClientId,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void
  toAll<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void
  /** Something the live page shows has changed. */
  changed(): void
}

export interface FederationOptions {
  readonly task: TaskInfo
  readonly config: TrainingConfig
  /** Samples clients each round; production passes `secureRandom`. */
  readonly random: RandomSource
  /** Seeds the initial weights; a reset draws a new seed from `random`. */
  readonly seed: number
  readonly now?: () => number
  readonly log?: EventLog
  /** Called with every aggregated round, before it is announced (the chain records it). */
  readonly onAggregated?: (round: AggregatedRound) => void
  /** Start from a recorded model (after a restart) instead of fresh weights. */
  readonly resume?: { readonly round: number; readonly weights: Float32Array }
  /** SEAL contexts for encrypted aggregation; without them encryption cannot be switched on. */
  readonly he?: HeContextCache
  /** Called when the task has aggregated all its rounds. */
  readonly onFinished?: (rounds: number) => void
}

/** What the chain records of an aggregated round. `round` is the new model's round number. */
export interface AggregatedRound {
  readonly taskId: string
  readonly round: number
  readonly modelBefore: string
  readonly modelAfter: string
  /** The new weights; null under encryption (the coordinator never sees them). */
  readonly weights: Float32Array | null
  readonly homomorphic: boolean
  readonly participants: readonly {
    clientId: ClientId
    address: string
    updateHash: string
    examples: number
  }[]
  readonly metrics: { trainLoss: number | null; trainAccuracy: number | null }
  readonly privacy: Record<string, string | number | null>
  readonly rewardPerExample: number
}

interface GlobalModel {
  readonly round: number
  readonly version: string
  readonly weights: Float32Array
}

/**
 * The coordinator's stateful shell around the pure round machine: it feeds `step` inputs, turns effects into
 * messages, holds the global model and the round's streaming FedAvg sum, and keeps the history the live page shows.
 * Payloads arrive here already checked by the gateway's schemas.
 */
export class Federation {
  readonly task: TaskInfo
  readonly parameters: number
  readonly log: EventLog
  #state: RoundState
  #global: GlobalModel
  #accumulator: FedAvgAccumulator | null = null
  #roundTraining = { loss: 0, accuracy: 0, examples: 0 }
  #roundPrivacy: RoundPrivacy | null = null
  readonly #onFinished: ((rounds: number) => void) | undefined
  /** Encrypted rounds: key custody, the open round's ciphertext sum, the aggregates a late tab replays. */
  readonly #encryption: EncryptedRounds
  /** This round's accepted updates: their hashes and example counts, for the chain record. */
  #roundUpdates = new Map<ClientId, { updateHash: string; examples: number; address: string }>()
  /** Each client's account, from its hello. */
  readonly #accounts = new Map<ClientId, { publicKey: string; address: string }>()
  readonly #onAggregated: ((round: AggregatedRound) => void) | undefined
  #statistics: {
    requestId: string
    epsilon: number
    requestedAt: number
    reports: Map<ClientId, ColumnStatisticsReport>
  } | null = null
  /** Per tab: its DP-SGD steps, for its example-level epsilon (recomputed here from rows, batch and epochs). */
  #exampleLedgers = new Map<ClientId, PrivacyLedger>()
  /** Epsilon of the released models once the current round is aggregated (null without DP). */
  #roundEpsilon: number | null = null
  #history: RoundRecord[] = []
  #tallies = new Map<string, EvaluationTally>()
  #lastMetrics = new Map<ClientId, { loss: number; accuracy: number }>()
  #nextPartition = 1
  readonly #random: RandomSource
  readonly #now: () => number

  constructor(
    options: FederationOptions,
    private readonly outbox: FederationOutbox,
  ) {
    this.task = options.task
    this.parameters = parameterCount(options.task.model)
    this.log = options.log ?? new EventLog()
    this.#random = options.random
    this.#now = options.now ?? Date.now
    this.#onAggregated = options.onAggregated
    this.#onFinished = options.onFinished
    this.#encryption = new EncryptedRounds(
      options.he ?? null,
      this.parameters,
      (id, event, ...args) => this.outbox.toClient(id, event, ...args),
      (level, text) => {
        this.log.add(level, text)
        this.outbox.changed()
      },
    )
    this.#state = initialRoundState({
      ...options.config,
      encryption: { ...options.config.encryption, mode: 'off' },
    })
    // Encryption from the start goes through the same checks as switching it on from the page.
    if (options.config.encryption.mode !== 'off') {
      const enabled = this.configure({ encryption: options.config.encryption })
      if (!enabled.ok) throw new Error(`task ${options.task.id}: ${enabled.error.message}`)
    }
    this.#global = this.#initialModel(options.seed)
    if (options.resume) {
      const { round, weights } = options.resume
      this.#state = { ...this.#state, completedRounds: round, nextRound: round + 1 }
      this.#global = { round, version: modelVersion(round, weights), weights }
      this.#startHistory(this.#global)
      this.log.add('info', `resumed from the recorded model of round ${round} (${this.#global.version})`)
    }
  }

  get state(): RoundState {
    return this.#state
  }

  get global(): GlobalModel {
    return this.#global
  }

  get history(): readonly RoundRecord[] {
    return this.#history
  }

  /** A new client (ids are given by the gateway, unique across tasks): returns its demo partition index. */
  hello(id: ClientId, backend: string, publicKey: string, envelopeKey?: Binary): { partitionIndex: number } {
    const partitionIndex = this.#nextPartition++
    this.#accounts.set(id, { publicKey, address: addressOf(publicKey) })
    this.#dispatch({ type: 'hello', now: this.#now(), id, backend })
    // After the hello is answered: a key request must not overtake the reply.
    queueMicrotask(() => {
      if (this.#state.clients.has(id)) this.#encryption.join(id, envelopeKey)
    })
    return { partitionIndex }
  }

  /** Whether the coordinator holds the current global model in the clear (not after an encrypted round). */
  get modelInClear(): boolean {
    return this.#encryption.modelInClear
  }

  /** The encryption key custody: who holds the task's key (the coordinator never does). */
  get custody(): KeyCustody {
    return this.#encryption.custody
  }

  /** A tab holds the key now: it becomes eligible for encrypted rounds. */
  keyStored(id: ClientId, keyId: string): Result<null> {
    if (!this.#state.clients.has(id)) return fail('not-joined', `${id} has not joined`)
    const result = this.#encryption.custody.confirm(id, keyId)
    if (result.ok) this.tick()
    return result
  }

  relayEnvelope(
    from: ClientId,
    keyId: string,
    recipient: ClientId,
    envelope: KeyEnvelopeMessage,
  ): Result<null> {
    if (!this.#state.clients.has(recipient)) return fail('not-joined', `${recipient} is not in this task`)
    return this.#encryption.relay(from, keyId, recipient, envelope)
  }

  ready(id: ClientId, examples: number): Result<null> {
    const result = this.#dispatch({ type: 'ready', now: this.#now(), id, examples })
    if (result.ok) this.log.add('info', `${id} ready with ${examples} training examples`)
    return result
  }

  leave(id: ClientId, reason: string): void {
    if (!this.#state.clients.has(id)) return
    this.log.add('info', `${id} left (${reason})`)
    this.#lastMetrics.delete(id)
    this.#accounts.delete(id)
    this.#exampleLedgers.delete(id)
    this.#encryption.custody.leave(id)
    this.#dispatch({ type: 'leave', now: this.#now(), id })
  }

  progress(id: ClientId, round: number, fraction: number): void {
    this.#dispatch({ type: 'progress', now: this.#now(), id, round, fraction })
  }

  /** Whether `id` is selected for the running round and has neither reported nor been dropped. */
  awaitsUpdateFrom(id: ClientId): boolean {
    const round = this.#state.round
    return !!round && round.selected.includes(id) && !round.reported.has(id) && !round.dropped.has(id)
  }

  publicKeyOf(id: ClientId): string | null {
    return this.#accounts.get(id)?.publicKey ?? null
  }

  /** An update whose delta the gateway decoded and checked (length, finite values, the sender's signature). */
  submitUpdate(
    id: ClientId,
    update: Omit<UpdateMessage, 'delta'>,
    delta: Float32Array,
    hash: string,
  ): Result<null> {
    if (this.#encryption.isOpen(update.round, this.#state.round?.number)) {
      return fail('invalid-state', `round ${update.round} is encrypted: send client:encrypted-update`)
    }
    return this.#acceptUpdate(id, update, hash, (examples) => {
      this.#accumulator?.add(delta, this.#roundPrivacy ? 1 : examples)
    })
  }

  /**
   * An encrypted update: its ciphertexts are checked and loaded first (a bad one is refused before the round counts
   * it), then added into the round's encrypted sum. The coordinator cannot read them.
   */
  submitEncryptedUpdate(
    id: ClientId,
    update: Omit<EncryptedUpdateMessage, 'ciphertexts'>,
    ciphertexts: readonly Uint8Array[],
    hash: string,
  ): Result<null> {
    if (!this.#encryption.isOpen(update.round, this.#state.round?.number)) {
      return fail('stale-round', `round ${update.round} is not an open encrypted round`)
    }
    let vector: EncryptedVector
    try {
      vector = this.#encryption.load(update.keyId, ciphertexts)
    } catch (error) {
      if (!(error instanceof HeError)) throw error
      return fail('bad-payload', `encrypted update: ${error.message}`)
    }
    let added = false
    const result = this.#acceptUpdate(id, update, hash, (examples) => {
      this.#encryption.add(vector, examples)
      added = true
    })
    if (!added) vector.delete()
    return result
  }

  #acceptUpdate(
    id: ClientId,
    update: {
      round: number
      baseVersion: string
      examples: number
      metrics: { loss: number; accuracy: number }
    },
    hash: string,
    accumulate: (examples: number) => void,
  ): Result<null> {
    // The global model stays put while a round runs: an update from any other model is not this round's work.
    const running = this.#state.round
    if (running && running.number === update.round && update.baseVersion !== this.#global.version) {
      return fail(
        'stale-round',
        `baseVersion ${update.baseVersion.slice(0, 40)} is not round ${running.number}'s model ${this.#global.version}`,
      )
    }
    const result = this.#dispatch(
      { type: 'update', now: this.#now(), id, round: update.round, examples: update.examples },
      (effect) => {
        if (effect.type !== 'accumulate') return
        accumulate(effect.examples)
        this.#roundTraining.loss += update.metrics.loss * effect.examples
        this.#roundTraining.accuracy += update.metrics.accuracy * effect.examples
        this.#roundTraining.examples += effect.examples
        this.#lastMetrics.set(id, update.metrics)
        // The address is taken now: the tab may leave before the round completes, and its update still counts.
        this.#roundUpdates.set(id, {
          updateHash: hash,
          examples: effect.examples,
          address: this.#accounts.get(id)?.address ?? '',
        })
        const dpSgd = this.#state.config.privacy.exampleLevel
        if (dpSgd.enabled) {
          const rows = this.#state.clients.get(id)?.examples ?? effect.examples
          const { localEpochs, batchSize } = this.#state.config
          const ledger = addDpSgdRound(
            this.#exampleLedgers.get(id) ?? [],
            rows,
            batchSize,
            localEpochs,
            dpSgd.noiseMultiplier,
          )
          this.#exampleLedgers.set(id, ledger)
        }
      },
    )
    return result
  }

  evaluation(id: ClientId, report: EvaluationReport): Result<null> {
    return this.#recordEvaluation(id, report)
  }

  tick(): void {
    this.#dispatch({ type: 'tick', now: this.#now() })
  }

  control(action: 'start' | 'pause' | 'reset'): Result<null> {
    const result = this.#dispatch({ type: action, now: this.#now() })
    if (result.ok)
      this.log.add(
        'info',
        `training ${action === 'start' ? 'started' : action === 'pause' ? 'paused' : 'reset'}`,
      )
    return result
  }

  configure(patch: TrainingConfigPatch): Result<TrainingConfig> {
    const merged = trainingConfigSchema.safeParse({ ...this.#state.config, ...patch })
    if (!merged.success)
      return fail(
        'invalid-config',
        merged.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      )
    const encryption = this.#encryption.change(
      this.#state.config.encryption.mode,
      merged.data.encryption.mode,
    )
    if (!encryption.ok) return encryption
    this.#dispatch({ type: 'configure', now: this.#now(), config: merged.data })
    const changed = Object.entries(patch).map(
      ([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    )
    if (changed.length) this.log.add('info', `settings changed: ${changed.join(', ')}`)
    return ok(merged.data)
  }

  /**
   * Asks every tab of a CSV task for local-DP column statistics, each tab spending `epsilon` on its rows.
   * A new request replaces the previous one.
   */
  requestStatistics(epsilon: number): Result<string> {
    if (this.task.dataset.kind !== 'csv') return fail('invalid-state', 'column statistics need a CSV task')
    const ready = [...this.#state.clients.values()].filter((c) => c.ready).length
    if (ready === 0) return fail('invalid-state', 'no tab has joined this task yet')
    const bytes = crypto.getRandomValues(new Uint8Array(8))
    const requestId = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
    this.#statistics = { requestId, epsilon, requestedAt: this.#now(), reports: new Map() }
    this.outbox.toAll('statistics:request', { requestId, epsilon })
    this.log.add(
      'info',
      `asked ${ready} tabs for column statistics at epsilon ${epsilon} each (local DP, Laplace)`,
    )
    this.outbox.changed()
    return ok(requestId)
  }

  statistics(id: ClientId, report: ColumnStatisticsReport): Result<null> {
    const current = this.#statistics
    if (!this.#state.clients.get(id)?.ready) return fail('not-joined', `${id} has not joined`)
    if (!current || current.requestId !== report.requestId) {
      return fail('stale-round', `no statistics request ${report.requestId} is open`)
    }
    if (current.reports.has(id))
      return fail('duplicate-update', `${id} already sent statistics for ${report.requestId}`)
    current.reports.set(id, report)
    this.outbox.changed()
    return ok(null)
  }

  #pooledStatistics(): FederatedStatistics | null {
    const current = this.#statistics
    if (!current || this.task.dataset.kind !== 'csv') return null
    const reports = [...current.reports.values()]
    return {
      requestId: current.requestId,
      epsilon: current.epsilon,
      requestedAt: current.requestedAt,
      reports: reports.length,
      columns: poolColumnStatistics(reports, this.task.dataset.schema),
    }
  }

  /** Records a refusal where the live page shows it (the gateway calls it for every refused event of this task). */
  reject(id: ClientId | null, what: string, error: ProtocolError): void {
    this.log.add(
      'warning',
      `${what} from ${id ?? 'an unjoined client'} rejected (${error.code}): ${error.message}`,
    )
    this.outbox.changed()
  }

  #dpSgdSettings(): LocalTrainingSettings['dpSgd'] {
    const { exampleLevel, delta } = this.#state.config.privacy
    return exampleLevel.enabled
      ? { clipNorm: exampleLevel.clipNorm, noiseMultiplier: exampleLevel.noiseMultiplier, delta }
      : null
  }

  /** Epsilon of the released models so far (every started DP round counted), from the RDP accountant. */
  epsilonSpent(): number {
    return ledgerEpsilon(this.#state.privacyLedger, this.#state.config.privacy.delta)
  }

  globalMessage(): GlobalModelMessage {
    const encrypted = this.#encryption.globalMessage(this.#global)
    if (encrypted) return encrypted
    return {
      round: this.#global.round,
      version: this.#global.version,
      weights: encodeFloat32(this.#global.weights),
    }
  }

  summary(): TaskSummary {
    const state = this.#state
    return {
      id: this.task.id,
      name: this.task.name,
      description: this.task.description,
      source: this.task.dataset.kind,
      model: describeModel(this.task.model),
      parameters: this.parameters,
      clients: state.clients.size,
      phase: phaseOf(state),
      completedRounds: state.completedRounds,
      rounds: state.config.rounds,
    }
  }

  /** The live page's view of this task; `tasks` lists every task, `events` adds coordinator-wide entries. */
  snapshot(
    canControl: boolean,
    tasks: readonly TaskSummary[] = [this.summary()],
    events: readonly EventEntry[] = [],
  ): Omit<DashboardSnapshot, 'chainHeight' | 'refusals'> {
    const state = this.#state
    const round = state.round
    const clients: ClientView[] = [...state.clients.values()].map((client) => ({
      id: client.id,
      backend: client.backend,
      examples: client.examples,
      status: client.status,
      progress: client.progress,
      lastUpdate: client.lastSeen,
      lastLoss: this.#lastMetrics.get(client.id)?.loss ?? null,
      lastAccuracy: this.#lastMetrics.get(client.id)?.accuracy ?? null,
      exampleEpsilon: this.#exampleLedgers.has(client.id)
        ? ledgerEpsilon(this.#exampleLedgers.get(client.id)!, state.config.privacy.delta)
        : null,
      holdsKey: this.#encryption.custody.holds(client.id),
    }))
    return {
      now: this.#now(),
      phase: phaseOf(state),
      canControl,
      config: state.config,
      task: { ...this.summary(), schema: this.task.dataset.kind === 'csv' ? this.task.dataset.schema : null },
      tasks,
      model: { round: this.#global.round, version: this.#global.version },
      round: round && {
        number: round.number,
        startedAt: round.startedAt,
        deadline: round.deadline,
        selected: round.selected.length,
        reported: round.reported.size,
        dropped: round.dropped.size,
      },
      clients,
      history: this.#history,
      abandoned: state.outcomes.filter((o) => o.status === 'abandoned').length,
      privacy: {
        ...state.config.privacy,
        rounds: ledgerSteps(state.privacyLedger),
        epsilon: this.epsilonSpent(),
      },
      statistics: this.#pooledStatistics(),
      encryption: this.#encryption.snapshot(state.config.encryption.mode),
      events: events.length
        ? [...this.log.entries, ...events].sort((a, b) => a.at - b.at).slice(-200)
        : this.log.entries,
    }
  }

  #dispatch(input: Input, onEffect?: (effect: Effect) => void): Result<null> {
    const { state, effects } = step(this.#state, input, {
      random: this.#random,
      // Under encryption only tabs holding the key can take part.
      eligible: (id) => this.#state.config.encryption.mode === 'off' || this.#encryption.custody.holds(id),
    })
    const changed = state !== this.#state || effects.length > 0
    this.#state = state
    let ack: Result<null> = ok(null)
    for (const effect of effects) {
      onEffect?.(effect)
      if (effect.type === 'ack') ack = effect.result
      else this.#apply(effect)
    }
    // A tick that changed nothing (the usual case) publishes nothing.
    if (changed) this.outbox.changed()
    return ack
  }

  #apply(effect: Exclude<Effect, { type: 'ack' }>): void {
    switch (effect.type) {
      case 'round-started': {
        this.#accumulator = new FedAvgAccumulator(this.parameters)
        this.#roundUpdates = new Map()
        this.#roundPrivacy = effect.privacy
        const encryption = this.#encryption.begin(
          this.#state.config.encryption,
          effect.selected,
          (id) => this.#state.clients.get(id)?.examples ?? 1,
          effect.privacy,
          this.#global,
        )
        if (encryption) this.#accumulator = null
        // The state already counts this round's DP step and no later one: one round starts per step.
        this.#roundEpsilon = effect.privacy ? this.epsilonSpent() : null
        this.#roundTraining = { loss: 0, accuracy: 0, examples: 0 }
        const { localEpochs, batchSize, learningRate, optimizer, privacy: dp } = this.#state.config
        // Under encryption the tabs train from the model they decrypted; the version says which it must be.
        const model: GlobalModelMessage = encryption
          ? { round: this.#global.round, version: this.#global.version, weights: new ArrayBuffer(0) }
          : this.globalMessage()
        const privacy = effect.privacy && {
          ...effect.privacy,
          noiseMultiplier: dp.noiseMultiplier,
          sampleRate: dp.sampleRate,
          delta: dp.delta,
          epsilonAfterRound: this.#roundEpsilon ?? 0,
          epsilonBudget: dp.epsilonBudget,
        }
        for (const id of effect.selected) {
          this.outbox.toClient(id, 'round:start', {
            round: effect.round,
            deadline: effect.deadline,
            model,
            settings: {
              epochs: localEpochs,
              batchSize,
              learningRate,
              optimizer,
              dpSgd: this.#dpSgdSettings(),
            },
            privacy,
            encryption,
          })
        }
        const heNote = encryption
          ? ` (encrypted: ${encryption.preset}, key ${encryption.keyId}${encryption.fractionBits ? `, ${encryption.fractionBits} fraction bits` : ''})`
          : ''
        const dpNote = privacy
          ? ` (DP ${privacy.mode}: Poisson q=${dp.sampleRate}, epsilon after it ${privacy.epsilonAfterRound.toFixed(3)})`
          : ''
        this.log.add(
          'info',
          `round ${effect.round} started with ${effect.selected.length} clients${dpNote}${heNote}`,
        )
        return
      }
      case 'budget-exhausted': {
        const text = `privacy budget reached: epsilon ${effect.spent.toFixed(3)} spent, the next round would reach ${effect.next.toFixed(3)} > ${effect.budget}; training stopped`
        this.log.add('error', text)
        this.outbox.toAll('notice', { level: 'warning', text })
        return
      }
      case 'accumulate':
        return
      case 'client-dropped':
        this.outbox.toClient(effect.id, 'round:cancel', { round: effect.round, reason: effect.reason })
        this.log.add('warning', `${effect.id} dropped from round ${effect.round}: ${effect.reason}`)
        return
      case 'round-completed':
        this.#aggregate(effect.round, effect.participants.length, effect.examples)
        return
      case 'round-abandoned':
        this.#accumulator = null
        this.#encryption.discard()
        this.outbox.toAll('round:cancel', { round: effect.round, reason: effect.reason })
        this.log.add(
          effect.reason === 'reset' ? 'info' : 'error',
          `round ${effect.round} abandoned: ${effect.reason}; global model unchanged`,
        )
        return
      case 'training-finished':
        this.log.add('info', `training finished: ${effect.completedRounds} rounds aggregated`)
        this.outbox.toAll('training:finished', { rounds: effect.completedRounds })
        this.#onFinished?.(effect.completedRounds)
        return
      case 'reset':
        this.#tallies.clear()
        this.#lastMetrics.clear()
        this.#exampleLedgers.clear()
        this.#encryption.reset()
        this.#global = this.#initialModel(Math.floor(this.#random() * 2 ** 32))
        this.outbox.toAll('model:global', this.globalMessage())
        return
      default: {
        const _exhaustive: never = effect
        throw new Error(`unhandled effect ${JSON.stringify(_exhaustive)}`)
      }
    }
  }

  #aggregate(round: number, participants: number, examples: number): void {
    if (this.#encryption.roundOpen) {
      this.#aggregateEncrypted(round, participants, examples)
      return
    }
    const accumulator = this.#accumulator
    this.#accumulator = null
    if (!accumulator || accumulator.count === 0) throw new Error(`round ${round} completed without updates`)
    // DP-FedAvg: the sum of clipped, noised updates over a fixed, data-independent denominator; else FedAvg.
    const privacy = this.#roundPrivacy
    const step = privacy ? accumulator.sumOver(privacy.denominator) : accumulator.mean()
    const weights = applyDelta(this.#global.weights, step)
    if (firstNonFinite(weights) !== -1) {
      this.log.add('error', `round ${round}: the aggregate is not finite; global model unchanged`)
      return
    }
    const modelRound = this.#state.completedRounds
    const started = this.#state.outcomes.at(-1)?.startedAt ?? this.#now()
    const training = this.#roundTraining
    const modelBefore = weightsDigest(this.#global.weights)
    this.#global = { round: modelRound, version: modelVersion(modelRound, weights), weights }
    this.#onAggregated?.({
      taskId: this.task.id,
      round: modelRound,
      modelBefore,
      modelAfter: weightsDigest(weights),
      weights,
      homomorphic: false,
      participants: [...this.#roundUpdates].map(([id, u]) => ({
        clientId: id,
        ...u,
      })),
      metrics: {
        trainLoss: training.examples ? training.loss / training.examples : null,
        trainAccuracy: training.examples ? training.accuracy / training.examples : null,
      },
      rewardPerExample: this.#state.config.rewardPerExample,
      privacy: this.#privacyRecord(privacy),
    })
    this.#record({
      round: modelRound,
      version: this.#global.version,
      participants,
      examples,
      durationMs: this.#now() - started,
      completedAt: this.#now(),
      trainLoss: training.examples ? training.loss / training.examples : null,
      trainAccuracy: training.examples ? training.accuracy / training.examples : null,
      evaluation: null,
      epsilon: this.#roundEpsilon,
      encryption: null,
    })
    this.log.add(
      'info',
      `round ${round} aggregated from ${participants} clients (${examples} examples): model ${this.#global.version}`,
    )
    this.outbox.toAll('model:global', this.globalMessage())
  }

  /**
   * Closes an encrypted round: the sum of ciphertexts goes to every tab of the task, which decrypt it with the key
   * they hold and average (sum / totalWeight). The coordinator records hashes and counts; it never sees the model.
   */
  #aggregateEncrypted(round: number, participants: number, examples: number): void {
    const privacy = this.#roundPrivacy
    const modelRound = this.#state.completedRounds
    const started = this.#state.outcomes.at(-1)?.startedAt ?? this.#now()
    const training = this.#roundTraining
    const closed = this.#encryption.close(modelRound, this.#global.version, participants, privacy)
    const { message } = closed
    const version = message.version
    this.#global = { round: modelRound, version, weights: this.#encryption.base!.weights }
    const trainLoss = training.examples ? training.loss / training.examples : null
    const trainAccuracy = training.examples ? training.accuracy / training.examples : null
    this.#onAggregated?.({
      taskId: this.task.id,
      round: modelRound,
      modelBefore: closed.modelBefore,
      modelAfter: closed.modelAfter,
      weights: null,
      homomorphic: true,
      participants: [...this.#roundUpdates].map(([id, u]) => ({ clientId: id, ...u })),
      metrics: { trainLoss, trainAccuracy },
      rewardPerExample: this.#state.config.rewardPerExample,
      privacy: this.#privacyRecord(privacy),
    })
    this.#record({
      round: modelRound,
      version,
      participants,
      examples,
      durationMs: this.#now() - started,
      completedAt: this.#now(),
      trainLoss,
      trainAccuracy,
      evaluation: null,
      epsilon: this.#roundEpsilon,
      encryption: {
        preset: message.preset,
        keyId: message.keyId,
        sumHash: message.sumHash,
        bytesIn: closed.bytesIn,
        bytesOut: closed.bytesOut,
      },
    })
    this.log.add(
      'info',
      `round ${round} aggregated under encryption from ${participants} clients (${examples} examples): sum ${message.sumHash.slice(0, 12)}, ${(closed.bytesIn / 1e6).toFixed(2)} MB in; model ${version}`,
    )
    this.outbox.toAll('model:encrypted', message)
  }

  /** What the chain records of a round's privacy. */
  #privacyRecord(privacy: RoundPrivacy | null): AggregatedRound['privacy'] {
    return privacy
      ? {
          mode: privacy.mode,
          clipNorm: privacy.clipNorm,
          noiseStd: privacy.noiseStd,
          epsilon: this.#roundEpsilon,
          delta: this.#state.config.privacy.delta,
        }
      : { mode: 'off' }
  }

  #initialModel(seed: number): GlobalModel {
    const weights = initialWeights(this.task.model, seededRandom(seed))
    const model = { round: 0, version: modelVersion(0, weights), weights }
    this.#startHistory(model)
    return model
  }

  /** A fresh history whose first entry is `model`, the baseline every later round is compared with. */
  #startHistory(model: GlobalModel): void {
    this.#history = []
    this.#record({
      round: model.round,
      version: model.version,
      participants: 0,
      examples: 0,
      durationMs: null,
      completedAt: this.#now(),
      trainLoss: null,
      trainAccuracy: null,
      evaluation: null,
      epsilon: null,
      encryption: null,
    })
  }

  #record(record: RoundRecord): void {
    this.#history.push(record)
    this.#tallies.set(record.version, new EvaluationTally(this.task.classNames.length))
  }

  #recordEvaluation(id: ClientId, report: EvaluationReport): Result<null> {
    if (!this.#state.clients.get(id)?.ready) return fail('not-joined', `${id} has not joined`)
    const tally = this.#tallies.get(report.version)
    const index = this.#history.findIndex((r) => r.version === report.version)
    if (!tally || index === -1) return fail('stale-round', `no global model ${report.version} in this run`)
    const classes = tally.classes
    if (report.confusion.length !== classes || report.confusion.some((row) => row.length !== classes)) {
      return fail('wrong-shape', `confusion matrix must be ${classes}x${classes} for this task`)
    }
    const counted = report.confusion.flat().reduce((a, b) => a + b, 0)
    if (counted !== report.examples) {
      return fail(
        'bad-payload',
        `confusion matrix counts ${counted} examples, report says ${report.examples}`,
      )
    }
    if (tally.has(id)) return fail('duplicate-update', `${id} already evaluated ${report.version}`)
    tally.add(id, report)
    const metrics = tally.metrics()
    const record = this.#history[index]!
    this.#history[index] = { ...record, evaluation: metrics }
    this.outbox.toAll('federation:metrics', { round: record.round, version: record.version, metrics })
    this.outbox.changed()
    return ok(null)
  }
}
