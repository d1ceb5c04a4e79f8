import type { Socket } from 'socket.io-client'
import type { KeyPair } from '../../shared/chain/keys'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { decodeFloat32, encodeFloat32 } from '../../shared/codec'
import { type ClassificationMetrics, classificationMetrics } from '../../shared/metrics/classification'
import { addDpSgdRound } from '../../shared/privacy/dp-sgd'
import { addStep, ledgerEpsilon, ledgerSteps, type PrivacyLedger } from '../../shared/privacy/ledger'
import type {
  Ack,
  ClientToServerEvents,
  FederationMetricsMessage,
  GlobalModelMessage,
  LocalTrainingSettings,
  Notice,
  RoundCancelMessage,
  RoundPrivacyMessage,
  RoundStartMessage,
  ServerToClientEvents,
  StatisticsRequest,
  TaskInfo,
} from '../../shared/protocol'
import { PROTOCOL_VERSION } from '../../shared/protocol'
import type { Result } from '../../shared/result'
import type { PreparedData, TrainerPort } from '../training/trainer-port'

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export interface TabPrivacy {
  readonly mode: 'local' | 'distributed'
  readonly delta: number
  readonly epsilonBudget: number
  /** Epsilon of the global models released so far (user-level, against anyone who sees them). */
  readonly releasedEpsilon: number
  /** This tab's epsilon against the coordinator, from the noise on the updates it sent. */
  readonly ownEpsilon: number
  readonly updates: number
  readonly clippedUpdates: number
  readonly ledger: PrivacyLedger
}

export type SessionStatus =
  | 'connecting'
  | 'preparing'
  | 'idle'
  | 'finished'
  | 'training'
  | 'submitting'
  | 'disconnected'
  | 'failed'

export interface SessionSnapshot {
  readonly status: SessionStatus
  readonly clientId: string | null
  readonly backend: string
  readonly task: TaskInfo | null
  readonly data: PreparedData | null
  /** Round this tab is training (or last trained) and its progress, 0 to 1. */
  readonly round: number | null
  readonly progress: number
  readonly deadline: number | null
  readonly roundsTrained: number
  readonly global: { readonly round: number; readonly version: string } | null
  /** The last local training: loss and accuracy on this tab's training split. */
  readonly lastTraining: { round: number; loss: number; accuracy: number; durationMs: number } | null
  /** The current global model scored on this tab's held-out split. */
  readonly localEvaluation: { version: string; metrics: ClassificationMetrics & { loss: number } } | null
  /** The federation-wide evaluation of the latest global model. */
  readonly federation: FederationMetricsMessage | null
  /** With DP: the task's epsilon for the released models, and this tab's own against the coordinator. */
  readonly privacy: TabPrivacy | null
  /** With DP-SGD: the example-level epsilon of this tab's rows, from its own steps. */
  readonly exampleLevel: {
    readonly epsilon: number
    readonly delta: number
    readonly rounds: number
    readonly ledger: PrivacyLedger
  } | null
  readonly notices: readonly (Notice & { at: number })[]
}

const ACK_TIMEOUT_MS = 30_000
const PROGRESS_INTERVAL_MS = 200
const MAX_NOTICES = 30

const isAbort = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError'
type AckEvent = 'client:hello' | 'client:ready' | 'client:update' | 'client:evaluation' | 'client:statistics'
type PayloadOf<E extends AckEvent> = Parameters<ClientToServerEvents[E]>[0]
type ReplyOf<E extends AckEvent> = Parameters<ClientToServerEvents[E]>[1] extends Ack<infer T> ? T : never

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * A federated-learning client: joins the coordinator, prepares its local data through the trainer, trains when
 * selected, sends its weight delta as bytes, and scores every global model on its held-out split. The same class
 * runs in a browser tab and in the Node headless client; only the socket and the trainer differ.
 */
export class FederatedSession {
  #snapshot: SessionSnapshot
  #listeners = new Set<(snapshot: SessionSnapshot) => void>()
  #training: { round: number; controller: AbortController } | null = null
  #maxMessageBytes = Number.POSITIVE_INFINITY
  #lastProgressSent = 0
  #stopped = false
  /** The coordinator said the run is over; cleared by the next round or a reset. */
  #finished = false

  constructor(
    private readonly socket: ClientSocket,
    private readonly trainer: TrainerPort,
    /** The task to join; for a CSV task the trainer must already hold the file's rows (`loadCsv`). */
    private readonly taskId: string,
    /** This participant's account: its public key goes in hello, and it signs every update. */
    private readonly keys: KeyPair,
  ) {
    this.#snapshot = {
      status: 'connecting',
      clientId: null,
      backend: trainer.backend,
      task: null,
      data: null,
      round: null,
      progress: 0,
      deadline: null,
      roundsTrained: 0,
      global: null,
      lastTraining: null,
      localEvaluation: null,
      federation: null,
      privacy: null,
      exampleLevel: null,
      notices: [],
    }
  }

  get snapshot(): SessionSnapshot {
    return this.#snapshot
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (snapshot: SessionSnapshot) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Attaches to the socket and joins on every (re)connection. */
  start(): void {
    const { socket } = this
    socket.on('connect', () => void this.#join())
    socket.on('disconnect', (reason) => {
      this.#abortTraining()
      this.#set({ status: 'disconnected', clientId: null })
      this.#notice('warning', `disconnected from the coordinator: ${reason}`)
    })
    socket.on('connect_error', (error) =>
      this.#set({ status: 'disconnected' }, 'warning', `cannot reach the coordinator: ${error.message}`),
    )
    socket.on('round:start', (message) => void this.#train(message))
    socket.on('round:cancel', (message) => this.#cancel(message))
    socket.on('model:global', (message) => void this.#evaluate(message))
    socket.on('federation:metrics', (message) => this.#set({ federation: message }))
    socket.on('notice', (notice) => this.#notice(notice.level, notice.text))
    socket.on('statistics:request', (request) => void this.#shareStatistics(request))
    socket.on('training:finished', ({ rounds }) => {
      this.#finished = true
      const status = this.#snapshot.status === 'idle' ? 'finished' : this.#snapshot.status
      this.#set({ status }, 'info', `training finished after ${rounds} rounds`)
    })
    if (socket.connected) void this.#join()
    else socket.connect()
  }

  stop(): void {
    this.#stopped = true
    this.#abortTraining()
    this.socket.removeAllListeners()
    this.socket.disconnect()
    this.#listeners.clear()
  }

  async #join(): Promise<void> {
    try {
      this.#set({ status: 'preparing' })
      const hello = await this.#request('client:hello', {
        protocol: PROTOCOL_VERSION,
        backend: this.trainer.backend,
        taskId: this.taskId,
        publicKey: this.keys.publicKey,
      })
      if (hello === undefined) return
      this.#maxMessageBytes = hello.maxMessageBytes
      // Keep the data already prepared for this task: a reconnect must not swap the tab's rows.
      let data = this.#snapshot.task?.id === hello.task.id ? this.#snapshot.data : null
      if (!data) data = await this.trainer.prepare(hello.task, hello.partition)
      this.#set({ clientId: hello.clientId, task: hello.task, data })
      const ready = await this.#request('client:ready', {
        trainExamples: data.trainExamples,
        testExamples: data.testExamples,
      })
      if (ready === undefined) return
      this.#set(
        { status: 'idle' },
        'info',
        `joined as ${hello.clientId} with ${data.trainExamples} training examples`,
      )
      await this.#evaluate(hello.model)
    } catch (error) {
      this.#set({ status: 'failed' }, 'error', `could not join: ${describe(error)}`)
    }
  }

  async #train(message: RoundStartMessage): Promise<void> {
    this.#abortTraining()
    this.#finished = false
    const weights = decodeFloat32(message.model.weights)
    if (!weights.ok) {
      this.#notice('error', `round ${message.round}: unreadable global weights: ${weights.error.message}`)
      return
    }
    const controller = new AbortController()
    this.#training = { round: message.round, controller }
    this.#set({ status: 'training', round: message.round, progress: 0, deadline: message.deadline })
    try {
      const privacy = message.privacy && {
        clipNorm: message.privacy.clipNorm,
        noiseStd: message.privacy.noiseStd,
      }
      const result = await this.trainer.train(
        { weights: weights.value, settings: message.settings, privacy },
        (progress) => {
          if (controller.signal.aborted) return
          this.#set({ progress: progress.fraction })
          const now = Date.now()
          if (now - this.#lastProgressSent >= PROGRESS_INTERVAL_MS || progress.fraction >= 1) {
            this.#lastProgressSent = now
            this.socket.emit('client:progress', { round: message.round, ...progress })
          }
        },
        controller.signal,
      )
      if (controller.signal.aborted) return
      const delta = encodeFloat32(result.delta)
      if (delta.byteLength + 4096 > this.#maxMessageBytes) {
        throw new Error(
          `update of ${delta.byteLength} bytes exceeds the coordinator's ${this.#maxMessageBytes}-byte limit`,
        )
      }
      this.#set({
        status: 'submitting',
        progress: 1,
        lastTraining: { round: message.round, ...result.metrics, durationMs: result.durationMs },
      })
      const hash = updateHash(new Uint8Array(delta))
      const accepted = await this.#request('client:update', {
        round: message.round,
        baseVersion: message.model.version,
        examples: result.examples,
        delta,
        metrics: result.metrics,
        signature: signUpdate(this.keys, this.taskId, message.round, hash),
      })
      if (accepted !== undefined) {
        this.#set({ roundsTrained: this.#snapshot.roundsTrained + 1 })
        if (message.privacy) this.#countPrivateUpdate(message.privacy, result.clip?.clipped ?? false)
        if (message.settings.dpSgd) this.#countDpSgdRound(message.settings, result.examples)
      }
      if (this.#training?.controller === controller) this.#set({ status: this.#restingStatus() })
    } catch (error) {
      if (isAbort(error)) return
      this.#set(
        { status: this.#restingStatus() },
        'error',
        `round ${message.round}: training failed: ${describe(error)}`,
      )
    } finally {
      if (this.#training?.controller === controller) this.#training = null
    }
  }

  #cancel(message: RoundCancelMessage): void {
    if (this.#training?.round !== message.round) return
    this.#abortTraining()
    this.#set(
      { status: this.#restingStatus(), progress: 0 },
      'warning',
      `round ${message.round} cancelled: ${message.reason}`,
    )
  }

  async #evaluate(message: GlobalModelMessage): Promise<void> {
    const weights = decodeFloat32(message.weights)
    if (!weights.ok) {
      this.#notice('error', `model ${message.version}: unreadable weights: ${weights.error.message}`)
      return
    }
    if (message.round === 0) this.#finished = false
    this.#set({ global: { round: message.round, version: message.version } })
    if (!this.#snapshot.data) return
    try {
      const result = await this.trainer.evaluate(weights.value)
      const metrics = {
        ...classificationMetrics(result.confusion),
        loss: result.lossSum / Math.max(1, result.examples),
      }
      this.#set({ localEvaluation: { version: message.version, metrics } })
      await this.#request('client:evaluation', { version: message.version, ...result })
    } catch (error) {
      this.#notice('error', `evaluating ${message.version} failed: ${describe(error)}`)
    }
  }

  /** Emits with an ack; a refusal or a timeout becomes a notice and resolves to undefined. */
  async #request<E extends AckEvent>(event: E, payload: PayloadOf<E>): Promise<ReplyOf<E> | undefined> {
    try {
      const withTimeout = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
        emitWithAck(event: E, payload: PayloadOf<E>): Promise<Result<ReplyOf<E>>>
      }
      const result = await withTimeout.emitWithAck(event, payload)
      if (result.ok) return result.value
      this.#notice('error', `${event} refused (${result.error.code}): ${result.error.message}`)
    } catch (error) {
      if (!this.#stopped)
        this.#notice('error', `${event}: no answer from the coordinator (${describe(error)})`)
    }
    return undefined
  }

  /**
   * After a DP update was accepted: the released models' epsilon (the coordinator's accountant, Poisson-subsampled)
   * and this tab's own, counting each update it sent as one unsubsampled Gaussian release with noise multiplier
   * noiseStd / clipNorm (the coordinator knows who took part, so no amplification applies against it).
   */
  #countPrivateUpdate(privacy: RoundPrivacyMessage, clipped: boolean): void {
    const previous = this.#snapshot.privacy
    const ledger = addStep(previous?.ledger ?? [], 1, privacy.noiseStd / privacy.clipNorm)
    this.#set({
      privacy: {
        mode: privacy.mode,
        delta: privacy.delta,
        epsilonBudget: privacy.epsilonBudget,
        releasedEpsilon: privacy.epsilonAfterRound,
        ownEpsilon: ledgerEpsilon(ledger, privacy.delta),
        updates: ledgerSteps(ledger),
        clippedUpdates: (previous?.clippedUpdates ?? 0) + (clipped ? 1 : 0),
        ledger,
      },
    })
  }

  /** Answers a request for column statistics with local-DP noised aggregates (CSV tasks only). */
  async #shareStatistics(request: StatisticsRequest): Promise<void> {
    if (this.#snapshot.task?.dataset.kind !== 'csv') return
    try {
      const columns = await this.trainer.columnStatistics(request.epsilon)
      const sent = await this.#request('client:statistics', { requestId: request.requestId, columns })
      if (sent !== undefined) {
        this.#notice(
          'info',
          `shared noised statistics of ${columns.length} columns (local DP, epsilon ${request.epsilon} on this tab's rows)`,
        )
      }
    } catch (error) {
      this.#notice('error', `column statistics failed: ${describe(error)}`)
    }
  }

  /** One more round of DP-SGD over this tab's rows: the same accounting as the coordinator's. */
  #countDpSgdRound(settings: LocalTrainingSettings, rows: number): void {
    const dp = settings.dpSgd!
    const previous = this.#snapshot.exampleLevel
    const ledger = addDpSgdRound(
      previous?.ledger ?? [],
      rows,
      settings.batchSize,
      settings.epochs,
      dp.noiseMultiplier,
    )
    this.#set({
      exampleLevel: {
        epsilon: ledgerEpsilon(ledger, dp.delta),
        delta: dp.delta,
        rounds: (previous?.rounds ?? 0) + 1,
        ledger,
      },
    })
  }

  #restingStatus(): SessionStatus {
    return this.#finished ? 'finished' : 'idle'
  }

  #abortTraining(): void {
    this.#training?.controller.abort()
    this.#training = null
  }

  #notice(level: Notice['level'], text: string): void {
    const notices = [...this.#snapshot.notices, { level, text, at: Date.now() }].slice(-MAX_NOTICES)
    this.#set({ notices })
  }

  #set(patch: Partial<SessionSnapshot>, level?: Notice['level'], text?: string): void {
    this.#snapshot = { ...this.#snapshot, ...patch }
    if (level && text) {
      this.#notice(level, text)
      return
    }
    for (const listener of this.#listeners) listener(this.#snapshot)
  }
}
