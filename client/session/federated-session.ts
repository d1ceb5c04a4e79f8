import type { Socket } from 'socket.io-client'
import type { KeyPair } from '../../shared/chain/keys'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { bytesOf, decodeFloat32, encodeFloat32 } from '../../shared/codec'
import { ciphertextsHash } from '../../shared/he/wire'
import { proveIdentity } from '../../shared/identity/proof'
import { type ClassificationMetrics, classificationMetrics } from '../../shared/metrics/classification'
import { addDpSgdRound } from '../../shared/privacy/dp-sgd'
import { addStep, ledgerEpsilon, ledgerSteps, type PrivacyLedger } from '../../shared/privacy/ledger'
import type {
  Ack,
  ClientToServerEvents,
  EncryptedAggregateMessage,
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
import type { EncryptionCost, TabEncryption } from './tab-encryption'

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
  /** With encryption: the key this tab holds (its id, never its bytes) and what the last encrypted round cost. */
  readonly encryption: {
    readonly keyId: string | null
    readonly preset: string | null
    readonly role: 'generated' | 'received' | null
    readonly encryptedRounds: number
    readonly last: (EncryptionCost & { readonly round: number }) | null
  } | null
  readonly notices: readonly (Notice & { at: number })[]
}

const ACK_TIMEOUT_MS = 30_000
/** Retries of a request refused as over the event rate, after 0.5 s, 1 s and 1.5 s (the budget renews each second). */
const RATE_RETRIES = 3
const RATE_RETRY_MS = 500
const PROGRESS_INTERVAL_MS = 200
const MAX_NOTICES = 30

const isAbort = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError'
type AckEvent =
  | 'client:challenge'
  | 'client:upload'
  | 'client:hello'
  | 'client:ready'
  | 'client:update'
  | 'client:evaluation'
  | 'client:statistics'
  | 'client:encrypted-update'
  | 'client:he-key'
  | 'client:he-envelope'
type PayloadOf<E extends AckEvent> = Parameters<ClientToServerEvents[E]>[0]
type ReplyOf<E extends AckEvent> = Parameters<ClientToServerEvents[E]>[1] extends Ack<infer T> ? T : never

/** The bytes as an ArrayBuffer of exactly their length (copied only when the view is part of a larger buffer). */
const ownBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer)

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
  /** Largest frame the coordinator takes without an upload grant. */
  #frameBytes = Number.POSITIVE_INFINITY
  #lastProgressSent = 0
  #stopped = false
  /** The coordinator said the run is over; cleared by the next round or a reset. */
  #finished = false
  /** The global model this tab holds: sent in the clear, or decrypted from encrypted aggregates. */
  #current: { round: number; version: string; weights: Float32Array } | null = null
  /** Encrypted aggregates not yet applied (waiting for the key, or for the one before). */
  #pendingAggregates: EncryptedAggregateMessage[] = []
  /** Key and aggregate work runs one step at a time, in arrival order. */
  #heQueue: Promise<void> = Promise.resolve()
  #bytesDown = 0
  /** The latest encrypted round's costs: the upload's and the aggregate's (they may arrive in either order). */
  #cost: EncryptionCost & { round: number } = {
    round: 0,
    encryptMs: 0,
    decryptMs: 0,
    bytesUp: 0,
    bytesDown: 0,
  }

  constructor(
    private readonly socket: ClientSocket,
    private readonly trainer: TrainerPort,
    /** The task to join; for a CSV task the trainer must already hold the file's rows (`loadCsv`). */
    private readonly taskId: string,
    /** This participant's account: its public key goes in hello, and it signs every update. */
    private readonly keys: KeyPair,
    /** Encrypted aggregation; without it the tab cannot take part in encrypted rounds. */
    private readonly encryption: TabEncryption | null = null,
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
      encryption: null,
      notices: [],
    }
  }

  get snapshot(): SessionSnapshot {
    return this.#snapshot
  }

  /** The global model this tab holds (a copy): sent in the clear, or decrypted from encrypted aggregates. */
  get model(): { round: number; version: string; weights: Float32Array } | null {
    const current = this.#current
    return current && { ...current, weights: current.weights.slice() }
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
    socket.on('he:key-generate', ({ keyId, preset }) =>
      this.#encrypted(`generating encryption key ${keyId}`, async (enc) => {
        await enc.generate(keyId, preset)
        await this.#keyStored(keyId, 'generated')
      }),
    )
    socket.on('he:key-share', ({ keyId, recipient, recipientKey }) =>
      this.#encrypted(`sealing key ${keyId} for ${recipient}`, async (enc) => {
        const envelope = await enc.share(keyId, recipient, bytesOf(recipientKey))
        await this.#request('client:he-envelope', { keyId, recipient, envelope })
      }),
    )
    socket.on('he:key-envelope', ({ keyId, preset, envelope }) =>
      this.#encrypted(`opening the sealed key ${keyId}`, async (enc) => {
        const self = this.#snapshot.clientId
        if (!self) throw new Error('not joined')
        await enc.receive(keyId, preset, envelope, self)
        await this.#keyStored(keyId, 'received')
      }),
    )
    socket.on('model:encrypted', (message) => {
      this.#bytesDown = message.ciphertexts.reduce((n, c) => n + bytesOf(c).byteLength, 0)
      this.#pendingAggregates.push(message)
      this.#encrypted(`decrypting the aggregate of round ${message.round}`, () => this.#applyAggregates())
    })
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
    // After pending key work, so no SEAL object is freed while in use.
    void this.#heQueue.then(() => this.encryption?.dispose())
  }

  async #join(): Promise<void> {
    try {
      this.#set({ status: 'preparing' })
      // Proof that this tab holds its account key: a signature of this connection's fresh challenge.
      const challenge = await this.#request('client:challenge', {})
      if (challenge === undefined) {
        if (!this.#stopped) this.#set({ status: 'failed' })
        return
      }
      const hello = await this.#request('client:hello', {
        protocol: PROTOCOL_VERSION,
        backend: this.trainer.backend,
        taskId: this.taskId,
        publicKey: this.keys.publicKey,
        ...(this.encryption ? { envelopeKey: this.encryption.envelopeKey.slice().buffer } : {}),
        proof: proveIdentity(this.keys, 'privx-join', challenge, this.taskId),
      })
      if (hello === undefined) {
        // Refused (the reason is in the notices) or unanswered: this tab cannot train here.
        if (!this.#stopped) this.#set({ status: 'failed' })
        return
      }
      this.#maxMessageBytes = hello.maxMessageBytes
      this.#frameBytes = hello.frameBytes
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
    const weights = await this.#roundWeights(message)
    if (!weights.ok) {
      this.#notice('error', `round ${message.round}: ${weights.error.message}`)
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
      if (message.encryption) {
        await this.#sendEncrypted(message, result, controller)
        return
      }
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
      // A delta over the base frame cap waits for one of the task's upload slots (bounded memory on a burst).
      if (delta.byteLength > this.#frameBytes) {
        const room = await this.#request('client:upload', {
          kind: 'update',
          taskId: this.taskId,
          bytes: delta.byteLength,
        })
        if (room === undefined || controller.signal.aborted) {
          if (this.#training?.controller === controller) this.#set({ status: this.#restingStatus() })
          return
        }
      }
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
    if (message.encrypted?.length) {
      // The last model sent in the clear, then the encrypted aggregates since: replayed once the key is here.
      const first = message.encrypted[0]!
      this.#current = { round: first.round - 1, version: first.previousVersion, weights: weights.value }
      this.#pendingAggregates = [...message.encrypted]
      this.#encrypted('catching up with the encrypted model', () => this.#applyAggregates())
      return
    }
    this.#pendingAggregates = []
    this.#current = { round: message.round, version: message.version, weights: weights.value }
    await this.#evaluateModel(message.round, message.version, weights.value)
  }

  /** Scores a global model on this tab's held-out split and reports the counts. */
  async #evaluateModel(round: number, version: string, weights: Float32Array): Promise<void> {
    this.#set({ global: { round, version } })
    if (!this.#snapshot.data) return
    try {
      const result = await this.trainer.evaluate(weights)
      const metrics = {
        ...classificationMetrics(result.confusion),
        loss: result.lossSum / Math.max(1, result.examples),
      }
      this.#set({ localEvaluation: { version, metrics } })
      await this.#request('client:evaluation', { version, ...result })
    } catch (error) {
      this.#notice('error', `evaluating ${version} failed: ${describe(error)}`)
    }
  }

  /** The weights a round trains from: sent in the clear, or (encrypted rounds) the model this tab decrypted. */
  async #roundWeights(message: RoundStartMessage): Promise<Result<Float32Array>> {
    if (!message.encryption) {
      const weights = decodeFloat32(message.model.weights)
      return weights.ok
        ? weights
        : {
            ok: false,
            error: { ...weights.error, message: `unreadable global weights: ${weights.error.message}` },
          }
    }
    await this.#heQueue
    const current = this.#current
    if (current?.version !== message.model.version) {
      return {
        ok: false,
        error: {
          code: 'stale-round',
          message: `the round trains model ${message.model.version}; this tab holds ${current?.version ?? 'none'} (an encrypted aggregate is missing)`,
        },
      }
    }
    return { ok: true, value: current.weights }
  }

  /** Runs key and aggregate work in order; a failure becomes a notice, never an unhandled rejection. */
  #encrypted(what: string, work: (enc: TabEncryption) => Promise<void>): void {
    const enc = this.encryption
    if (!enc) {
      this.#notice('error', `${what}: this client cannot encrypt (no HE support)`)
      return
    }
    this.#heQueue = this.#heQueue.then(() =>
      work(enc).catch((error: unknown) => this.#notice('error', `${what} failed: ${describe(error)}`)),
    )
  }

  async #keyStored(keyId: string, role: 'generated' | 'received'): Promise<void> {
    const previous = this.#snapshot.encryption
    this.#set(
      {
        encryption: {
          keyId,
          preset: this.encryption?.preset ?? null,
          role,
          encryptedRounds: previous?.encryptedRounds ?? 0,
          last: previous?.last ?? null,
        },
      },
      'info',
      role === 'generated'
        ? `generated the task's encryption key ${keyId}: it stays in this tab`
        : `received the task's encryption key ${keyId}, sealed end to end by another tab`,
    )
    await this.#request('client:he-key', { keyId })
    await this.#applyAggregates()
  }

  /** Applies every pending aggregate it can: decrypt the sum, average, step the model; then scores the result. */
  async #applyAggregates(): Promise<void> {
    const enc = this.encryption
    let applied: { round: number; version: string; weights: Float32Array } | null = null
    while (enc && this.#current && this.#pendingAggregates.length > 0) {
      const next = this.#pendingAggregates[0]!
      if (next.keyId !== enc.keyId) return // the key is on its way
      this.#pendingAggregates.shift()
      if (next.previousVersion !== this.#current.version) {
        this.#notice(
          'error',
          `encrypted aggregate of round ${next.round} follows ${next.previousVersion}, but this tab holds ${this.#current.version}`,
        )
        continue
      }
      const { average, ms } = await enc.decryptAverage(next)
      const weights = new Float32Array(this.#current.weights)
      for (let i = 0; i < weights.length; i++) weights[i]! += average[i]!
      this.#current = { round: next.round, version: next.version, weights }
      applied = this.#current
      this.#cost = { ...this.#cost, decryptMs: ms, bytesDown: this.#bytesDown }
      const encryption = this.#snapshot.encryption
      if (encryption) this.#set({ encryption: { ...encryption, last: { ...this.#cost } } })
    }
    if (applied) await this.#evaluateModel(applied.round, applied.version, applied.weights)
  }

  /** Encrypts the trained delta under the task key and sends the ciphertexts, signed. */
  async #sendEncrypted(
    message: RoundStartMessage,
    result: {
      delta: Float32Array
      examples: number
      metrics: { loss: number; accuracy: number }
      durationMs: number
    },
    controller: AbortController,
  ): Promise<void> {
    const enc = this.encryption
    const encryption = message.encryption!
    if (!enc) throw new Error('this client cannot encrypt (no HE support)')
    this.#set({
      status: 'submitting',
      progress: 1,
      lastTraining: { round: message.round, ...result.metrics, durationMs: result.durationMs },
    })
    const { ciphertexts, clamped, ms } = await enc.encryptUpdate(encryption, result.delta, result.examples)
    if (controller.signal.aborted) return
    const hash = ciphertextsHash(ciphertexts)
    const accepted = await this.#request('client:encrypted-update', {
      round: message.round,
      baseVersion: message.model.version,
      examples: result.examples,
      keyId: encryption.keyId,
      ciphertexts: ciphertexts.map(ownBuffer),
      metrics: result.metrics,
      clamped,
      signature: signUpdate(this.keys, this.taskId, message.round, hash),
    })
    const bytesUp = ciphertexts.reduce((n, c) => n + c.byteLength, 0)
    if (accepted !== undefined) {
      const previous = this.#snapshot.encryption
      this.#cost = { ...this.#cost, round: message.round, encryptMs: ms, bytesUp }
      this.#set({
        roundsTrained: this.#snapshot.roundsTrained + 1,
        encryption: {
          keyId: encryption.keyId,
          preset: encryption.preset,
          role: previous?.role ?? null,
          encryptedRounds: (previous?.encryptedRounds ?? 0) + 1,
          last: { ...this.#cost },
        },
      })
      if (clamped > 0)
        this.#notice(
          'warning',
          `round ${message.round}: ${clamped} coordinates clamped to ±${encryption.clamp}`,
        )
      if (message.privacy) this.#countPrivateUpdate(message.privacy, false)
      if (message.settings.dpSgd) this.#countDpSgdRound(message.settings, result.examples)
    }
    if (this.#training?.controller === controller) this.#set({ status: this.#restingStatus() })
  }

  /** Emits with an ack; a refusal or a timeout becomes a notice and resolves to undefined. */
  async #request<E extends AckEvent>(event: E, payload: PayloadOf<E>): Promise<ReplyOf<E> | undefined> {
    try {
      const withTimeout = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
        emitWithAck(event: E, payload: PayloadOf<E>): Promise<Result<ReplyOf<E>>>
      }
      let result = await withTimeout.emitWithAck(event, payload)
      // Over the coordinator's per-connection event rate (fast rounds on a small model can get there): wait and
      // send again, as an HTTP client does after a 429, rather than lose an update its round is waiting for.
      for (
        let retry = 1;
        !result.ok && result.error.code === 'rate-limited' && retry <= RATE_RETRIES;
        retry++
      ) {
        await new Promise((resolve) => setTimeout(resolve, RATE_RETRY_MS * retry))
        if (this.#stopped) return undefined
        result = await withTimeout.emitWithAck(event, payload)
      }
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
