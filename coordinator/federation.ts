import { addressOf } from '../shared/chain/keys'
import { encodeFloat32 } from '../shared/codec'
import { initialWeights } from '../shared/model/init'
import { parameterCount } from '../shared/model/spec'
import { clearModel } from '../shared/model/version'
import type {
  ColumnStatisticsReport,
  DashboardSnapshot,
  EvaluationReport,
  EventEntry,
  GlobalModelMessage,
  RoundRecord,
  TaskInfo,
  TaskStateMessage,
  TaskSummary,
} from '../shared/protocol'
import { type RandomSource, seededRandom } from '../shared/random'
import { fail, ok, type ProtocolError, type Result } from '../shared/result'
import type { TrainingConfig, TrainingConfigPatch } from '../shared/rounds/config'
import {
  type ClientId,
  type Effect,
  type Input,
  initialRoundState,
  type RoundState,
  readyClients,
} from '../shared/rounds/state'
import { step } from '../shared/rounds/step'
import { EventLog } from './event-log'
import { EncryptedRounds } from './he/encrypted-rounds'
import type { AnnouncedKey, KeyCustody } from './he/key-custody'
import { custodyChange } from './task/custody-input'
import { dashboardSnapshot, taskSummary } from './task/dashboard-snapshot'
import { announce } from './task/effect-announcements'
import type {
  AggregatedRound,
  FederationOptions,
  FederationOutbox,
  GatewayRefusal,
  GlobalModel,
  UpdateClaims,
  UpdatePayload,
} from './task/federation-ports'
import { ModelHistory } from './task/model-history'
import { keptMetrics, ParticipantPrivacy } from './task/participant-privacy'
import { type AdmittedUpdate, RoundAggregation } from './task/round-aggregation'
import { releaseRecords } from './task/round-record'
import { roundStartMessage, roundStartNote } from './task/round-start'
import { mergeSettings, settingsNote } from './task/settings-change'
import { StatisticsDesk } from './task/statistics-desk'
import { TaskStatePublisher, taskStateOf } from './task/task-state'
import { announceVerdicts } from './task/verdict-notices'

/**
 * A task's round driver around the pure round machine (`shared/rounds/step.ts`): it feeds `step` inputs (joins,
 * updates, key custody, time), turns effects into messages, holds the global model and the open round's
 * aggregator (chosen from the round's plan when it starts), and hands completed rounds to the chain recorder.
 * The live page's views live in focused modules; payloads arrive here already checked by the gateway's guards.
 */
export class Federation {
  readonly task: TaskInfo
  readonly parameters: number
  readonly log: EventLog
  #state: RoundState
  #global: GlobalModel
  readonly #onFinished: ((rounds: number) => void) | undefined
  /** Encrypted rounds: key custody, each encrypted round's settings, the aggregates a late tab replays. */
  readonly #encryption: EncryptedRounds
  /** The open round's aggregator, chosen from its plan. */
  readonly #rounds: RoundAggregation
  /** Each client's account, from its hello. */
  readonly #accounts = new Map<ClientId, { publicKey: string; address: string }>()
  readonly #onAggregated: ((round: AggregatedRound) => void) | undefined
  readonly #statistics: StatisticsDesk
  /** Per tab: its privacy ledger (the same one the tab keeps), for its example-level epsilon under DP-SGD. */
  readonly #privacy = new ParticipantPrivacy()
  readonly #history: ModelHistory
  readonly #taskState = new TaskStatePublisher()
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
    this.#history = new ModelHistory(options.task.classNames.length)
    this.#statistics = new StatisticsDesk(options.task, this.outbox, this.log)
    this.#encryption = new EncryptedRounds(
      options.he ?? null,
      this.parameters,
      (id, event, ...args) => this.outbox.toClient(id, event, ...args),
      (level, text) => {
        this.log.add(level, text)
        this.outbox.changed()
      },
      options.checkpointEvery,
    )
    this.#rounds = new RoundAggregation(this.parameters, this.#encryption)
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
      const { round, weights, run } = options.resume
      this.#state = { ...this.#state, run, completedRounds: round, nextRound: round + 1 }
      this.#global = clearModel(round, weights)
      this.#history.restart(this.#global, this.#now(), run)
      this.log.announce('info', `resumed from the recorded model of round ${round} (${this.#global.version})`)
    }
  }

  get state(): RoundState {
    return this.#state
  }

  get global(): GlobalModel {
    return this.#global
  }

  get history(): readonly RoundRecord[] {
    return this.#history.records
  }

  /** A new client (ids are given by the gateway, unique across tasks): returns its demo partition index. */
  hello(id: ClientId, backend: string, publicKey: string, key?: AnnouncedKey): { partitionIndex: number } {
    const partitionIndex = this.#nextPartition++
    this.#accounts.set(id, { publicKey, address: addressOf(publicKey) })
    this.#dispatch({ type: 'hello', now: this.#now(), id, backend })
    // After the hello is answered: a key request must not overtake the reply.
    queueMicrotask(() => {
      if (!this.#state.clients.has(id)) return
      this.#encryption.join(id, publicKey, key)
      this.#syncCustody()
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

  /** Encrypted rounds: the replay a late tab asks for, and the checkpoints key holders upload. */
  get encryption(): EncryptedRounds {
    return this.#encryption
  }

  /** A tab holds the key now: it becomes eligible for encrypted rounds. */
  keyStored(id: ClientId, keyId: string): Result<null> {
    if (!this.#state.clients.has(id)) return fail('not-joined', `${id} has not joined`)
    const result = this.#encryption.custody.confirm(id, keyId)
    if (result.ok) this.#syncCustody()
    this.#published()
    return result
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
    this.#privacy.forget(id)
    this.#encryption.leave(id)
    this.#syncCustody()
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

  /**
   * One update, plain or encrypted, whose bytes the gateway checked (length, finite values, the sender's
   * signature): it must match the round's plan and model, the round machine decides whether it counts, and the
   * round's aggregator folds it in (an encrypted upload is loaded first: a bad one is refused before it counts).
   */
  submit(id: ClientId, claims: UpdateClaims, payload: UpdatePayload, hash: string): Result<null> {
    const admitted = this.#rounds.admit(this.#state.round, claims, payload, this.#global.version)
    if (!admitted.ok) return admitted
    const update = admitted.value
    const metrics = keptMetrics(this.#state, claims.metrics)
    const result = this.#dispatch(
      {
        type: 'update',
        now: this.#now(),
        id,
        round: claims.round,
        examples: claims.examples,
        updateHash: hash,
        // The address is taken now: the tab may leave before the round completes, and its update still counts.
        address: this.#accounts.get(id)?.address ?? '',
        loss: metrics?.loss ?? null,
        accuracy: metrics?.accuracy ?? null,
      },
      update,
    )
    // Not taken by the round (refused): free its ciphertexts.
    update.loaded?.delete()
    if (result.ok && metrics) this.#lastMetrics.set(id, metrics)
    return result
  }

  /** A selected tab sits the round out (it refused the round's protection or budget), with its reason. */
  decline(id: ClientId, round: number, reason: string): Result<null> {
    return this.#dispatch({ type: 'decline', now: this.#now(), id, round, reason })
  }

  /** A signed update the gateway found broken: the round records it as rejected (a stake is slashed for it). */
  refuse(id: ClientId, refusal: GatewayRefusal): Result<null> {
    const address = this.#accounts.get(id)?.address ?? ''
    return this.#dispatch({ type: 'refused-update', now: this.#now(), id, address, ...refusal })
  }

  evaluation(id: ClientId, report: EvaluationReport): Result<null> {
    if (!this.#state.clients.get(id)?.ready) return fail('not-joined', `${id} has not joined`)
    const metrics = this.#history.evaluate(id, report)
    if (!metrics.ok) return metrics
    this.outbox.toAll('federation:metrics', metrics.value)
    this.outbox.changed()
    return ok(null)
  }

  /** Advances the round clock: deadlines pass, due rounds start. */
  tick(): void {
    this.#encryption.custody.expire()
    this.#dispatch({ type: 'tick', now: this.#now() })
  }

  control(action: 'start' | 'pause' | 'reset'): Result<null> {
    const result = this.#dispatch({ type: action, now: this.#now() })
    if (!result.ok) return result
    this.log.announce(
      'info',
      `training ${action === 'start' ? 'started' : action === 'pause' ? 'paused' : 'reset'}`,
    )
    // A reset asked a tab for a fresh key: no tab holds it yet.
    if (action === 'reset') this.#syncCustody()
    return result
  }

  configure(patch: TrainingConfigPatch): Result<TrainingConfig> {
    const merged = mergeSettings(this.#state.config, patch)
    if (!merged.ok) return merged
    const encryption = this.#encryption.change(
      this.#state.config.encryption.mode,
      merged.value.encryption.mode,
    )
    if (!encryption.ok) return encryption
    this.#syncCustody()
    this.#dispatch({ type: 'configure', now: this.#now(), config: merged.value })
    const note = settingsNote(patch)
    if (note) this.log.announce('info', note)
    return merged
  }

  /** Asks every tab of a CSV task for local-DP column statistics, each spending `epsilon` (`StatisticsDesk`). */
  requestStatistics(epsilon: number): Result<string> {
    return this.#statistics.request(epsilon, readyClients(this.#state).length, this.#now())
  }

  statistics(id: ClientId, report: ColumnStatisticsReport): Result<null> {
    return this.#statistics.report(id, this.#state.clients.get(id)?.ready === true, report)
  }

  /** Records a refusal where the live page shows it (the gateway calls it for every refused event of this task). */
  reject(id: ClientId | null, what: string, error: ProtocolError): void {
    const from = id ?? 'an unjoined client'
    this.log.add('warning', `${what} from ${from} rejected (${error.code}): ${error.message}`)
    this.outbox.changed()
  }

  /** The phase and the protection of the next upload, as every tab shows them. */
  taskState(): TaskStateMessage {
    return taskStateOf(this.#state, this.#encryption.custody.keyId)
  }

  globalMessage(): GlobalModelMessage {
    const { round, version, weights } = this.#global
    return this.#encryption.globalMessage(this.#global) ?? { round, version, weights: encodeFloat32(weights) }
  }

  summary(): TaskSummary {
    return taskSummary(this.task, this.parameters, this.#state)
  }

  /** The live page's view of this task; `tasks` lists every task, `events` adds coordinator-wide entries. */
  snapshot(
    canControl: boolean,
    tasks: readonly TaskSummary[] = [this.summary()],
    events: readonly EventEntry[] = [],
  ): Omit<DashboardSnapshot, 'chainHeight' | 'refusals'> {
    return dashboardSnapshot({
      now: this.#now(),
      canControl,
      task: this.task,
      summary: this.summary(),
      tasks,
      state: this.#state,
      model: { round: this.#global.round, version: this.#global.version },
      history: this.#history.records,
      earlierRuns: this.#history.earlierRuns,
      lastMetrics: this.#lastMetrics,
      participants: this.#privacy,
      encryption: this.#encryption.snapshot(this.#state.config.encryption.mode),
      statistics: this.#statistics.pooled(),
      events: events.length
        ? [...this.log.entries, ...events].sort((a, b) => a.at - b.at).slice(-200)
        : this.log.entries,
    })
  }

  /** Tells the round machine who holds the task's key now (eligibility for encrypted rounds is decided there). */
  #syncCustody(): void {
    const changed = custodyChange(this.#state, this.#encryption.custody)
    if (changed) this.#dispatch({ type: 'key-custody', now: this.#now(), ...changed })
  }

  /** Runs one input through the machine and applies its effects in order; `update` is the payload of an update input. */
  #dispatch(input: Input, update?: AdmittedUpdate): Result<null> {
    const { state, effects } = step(this.#state, input, { random: this.#random })
    const changed = state !== this.#state || effects.length > 0
    this.#state = state
    let ack: Result<null> = ok(null)
    for (const effect of effects) {
      if (effect.type === 'ack') ack = effect.result
      else if (effect.type === 'accumulate') {
        const added = this.#rounds.add(effect, update)
        if (!added.ok) ack = added
      } else this.#apply(effect)
    }
    // A tick that changed nothing (the usual case) publishes nothing.
    if (changed) this.#published()
    return ack
  }

  /** The live page refreshes; the tabs hear of a new phase or protection. */
  #published(): void {
    this.outbox.changed()
    this.#taskState.publish(this.taskState(), (state) => this.outbox.toAll('task:state', state))
  }

  #apply(effect: Exclude<Effect, { type: 'ack' | 'accumulate' }>): void {
    switch (effect.type) {
      case 'round-started': {
        const encryption = this.#rounds.begin(
          effect,
          this.#state.config,
          (id) => this.#state.clients.get(id)?.examples ?? 1,
          this.#global,
        )
        const refused = this.#rounds.refusal
        if (refused) {
          // An encrypted round that cannot run safely is not sent (never run in the clear) and stops training.
          const input = {
            type: 'refuse-round',
            now: this.#now(),
            round: effect.round,
            reason: refused,
          } as const
          queueMicrotask(() => this.#dispatch(input))
          return
        }
        // Under encryption the tabs train from the model they decrypted; the version says which it must be.
        const model: GlobalModelMessage = encryption
          ? { round: this.#global.round, version: this.#global.version, weights: new ArrayBuffer(0) }
          : this.globalMessage()
        const message = roundStartMessage(effect, this.#state.config, model, encryption)
        for (const id of effect.selected) this.outbox.toClient(id, 'round:start', message)
        this.log.announce('info', roundStartNote(effect, message, this.#state.config.privacy.sampleRate))
        return
      }
      case 'budget-exhausted':
      case 'client-dropped':
        announce(effect, this.outbox, this.log)
        return
      case 'round-completed':
        this.#privacy.countRound(effect, this.#state, (id) => this.#state.clients.get(id)?.examples)
        this.#aggregate(effect)
        return
      case 'round-abandoned':
        this.#rounds.discard()
        announce(effect, this.outbox, this.log)
        return
      case 'training-finished':
        announce(effect, this.outbox, this.log)
        this.#onFinished?.(effect.completedRounds)
        return
      case 'reset':
        this.#lastMetrics.clear()
        this.#privacy.clear()
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

  /** Closes the round's aggregator and releases the new model (or the encrypted sum) with its records. */
  #aggregate(round: Extract<Effect, { type: 'round-completed' }>): void {
    const modelRound = this.#state.completedRounds
    const closed = this.#rounds.close(round, this.#global, modelRound)
    if (!closed.ok) {
      this.log.announce('error', `round ${round.round}: ${closed.error.message}; global model unchanged`)
      return
    }
    const released = closed.value
    this.#global = released.model
    const { aggregated, record, note } = releaseRecords(
      this.task.id,
      round,
      released,
      { ...this.#state.config, delta: this.#state.config.privacy.delta, run: this.#state.run },
      this.#now(),
    )
    this.#onAggregated?.(aggregated)
    this.#history.add(record)
    this.log.announce('info', note)
    // In the clear the new weights go to every tab; encrypted, the sum goes, which key holders decrypt and average.
    if (released.kind === 'plain') {
      announceVerdicts(modelRound, released.verdicts, round.reports, this.outbox, this.log, released.note)
      this.outbox.toAll('model:global', this.globalMessage())
    } else {
      this.outbox.toAll('model:encrypted', released.sum.message)
      this.#encryption.askCheckpoint([...round.reports.keys()], this.#now())
    }
  }

  #initialModel(seed: number): GlobalModel {
    const weights = initialWeights(this.task.model, seededRandom(seed))
    const model = clearModel(0, weights)
    this.#history.restart(model, this.#now(), this.#state.run)
    return model
  }
}
