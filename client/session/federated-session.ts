import type { KeyPair } from '../../shared/chain/keys'
import { decodeFloat32 } from '../../shared/codec'
import { errorMessage, isAbortError } from '../../shared/errors'
import { signEnvelopeKey } from '../../shared/he/envelope-identity'
import { proveIdentity } from '../../shared/identity/proof'
import { classificationMetrics } from '../../shared/metrics/classification'
import { stageTimes } from '../../shared/metrics/stage-times'
import { weightsDigest } from '../../shared/model/version'
import type {
  GlobalModelMessage,
  RoundCancelMessage,
  RoundStartMessage,
  StatisticsRequest,
} from '../../shared/protocol'
import { PROTOCOL_VERSION } from '../../shared/protocol'
import type { Result } from '../../shared/result'
import type { TrainerPort } from '../training/trainer-port'
import type { ClientSocket } from './client-socket'
import { memoryPrivacyStore, type PrivacyStore } from './cumulative-privacy'
import { EncryptedModel, type HeldModel } from './encrypted-model'
import { ReconnectBackoff } from './reconnect-backoff'
import { RoundGuard, type TabPolicy } from './round-guard'
import { SessionLink } from './session-link'
import { type SessionSnapshot, SessionState } from './session-state'
import { stakeBeforeJoin } from './stake-before-join'
import type { TabEncryption } from './tab-encryption'
import { trainsUnderDp, UpdateSender } from './update-sender'

export type { ClientSocket } from './client-socket'
export type { TabPolicy } from './round-guard'
export type { SessionSnapshot, SessionStatus, TabPrivacy } from './session-state'

const PROGRESS_INTERVAL_MS = 200

/**
 * A federated-learning client: joins the coordinator (a signed challenge, then hello and ready), and routes what the
 * coordinator sends to the module that owns it: rounds to local training and the update sender, global models to
 * evaluation, key and aggregate messages to the encrypted model, statistics requests to the trainer. The same class
 * runs in a browser tab and in the Node headless client; only the socket and the trainer differ.
 */
export class FederatedSession {
  readonly #state: SessionState
  readonly #link: SessionLink
  readonly #model: EncryptedModel
  readonly #sender: UpdateSender
  readonly #guard: RoundGuard
  #training: { round: number; controller: AbortController } | null = null
  #lastProgressSent = 0
  readonly #backoff = new ReconnectBackoff()

  constructor(
    private readonly socket: ClientSocket,
    private readonly trainer: TrainerPort,
    /** The task to join; for a CSV task the trainer must already hold the file's rows (`loadCsv`). */
    private readonly taskId: string,
    /** This participant's account: its public key goes in hello, and it signs every update. */
    private readonly keys: KeyPair,
    /** Encrypted aggregation; without it the tab cannot take part in encrypted rounds. */
    private readonly encryption: TabEncryption | null = null,
    /** This browser's privacy totals across tasks (the page passes `browserPrivacyStore()`). */
    privacyStore: PrivacyStore = memoryPrivacyStore(),
    /** This tab's own limits (`round-guard.ts`); the defaults unless a test or the CLI sets them. */
    policy: TabPolicy = {},
  ) {
    this.#state = new SessionState(trainer.backend)
    this.#guard = new RoundGuard(this.#state, policy)
    this.#link = new SessionLink(socket, this.#state)
    this.#model = new EncryptedModel(this.#link, this.#state, encryption, (model) =>
      this.#evaluateModel(model),
    )
    this.#sender = new UpdateSender({
      link: this.#link,
      state: this.#state,
      keys,
      taskId,
      encryption,
      model: this.#model,
      privacyStore,
    })
  }

  get snapshot(): SessionSnapshot {
    return this.#state.snapshot
  }

  /** The global model this tab holds (a copy): sent in the clear, or decrypted from encrypted aggregates. */
  get model(): HeldModel | null {
    const current = this.#model.current
    return current && { ...current, weights: current.weights.slice() }
  }

  /**
   * The person in the tab accepts the weaker protection the coordinator announced (`task:state`); until then, rounds
   * under it are refused. False when nothing weaker is pending.
   */
  acceptWeakerProtection(): boolean {
    return this.#guard.acceptWeaker()
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (snapshot: SessionSnapshot) => void): () => void {
    return this.#state.subscribe(listener)
  }

  /** Attaches to the socket and joins on every (re)connection. */
  start(): void {
    const { socket } = this
    const state = this.#state
    const model = this.#model
    socket.on('connect', () => {
      this.#backoff.connected(Date.now())
      void this.#join()
    })
    socket.on('disconnect', (reason) => {
      this.#abortTraining()
      state.set({ status: 'disconnected', clientId: null })
      if (reason === 'io client disconnect') {
        state.notice('warning', 'disconnected from the coordinator')
        return
      }
      // The manager schedules the reconnect right after this event, with the delay set here.
      const { delayMs, failures } = this.#backoff.disconnected(Date.now())
      socket.io.reconnectionDelay(delayMs)
      socket.io.reconnectionDelayMax(delayMs)
      // A connection the coordinator closed is not retried by socket.io itself.
      if (reason === 'io server disconnect') {
        setTimeout(() => {
          if (!this.#link.stopped && !socket.connected) socket.connect()
        }, delayMs)
      }
      state.notice(
        'warning',
        `disconnected from the coordinator: ${reason}; reconnecting in ${Math.round(delayMs / 1000)} s${failures > 1 ? ` (${failures} short connections in a row)` : ''}`,
      )
    })
    socket.on('connect_error', (error) => {
      // A refused or failed handshake backs off like a connection that broke at once.
      const { delayMs } = this.#backoff.disconnected(Date.now())
      socket.io.reconnectionDelay(delayMs)
      socket.io.reconnectionDelayMax(delayMs)
      state.set(
        { status: 'disconnected' },
        'warning',
        `cannot reach the coordinator: ${error.message}; trying again in ${Math.round(delayMs / 1000)} s`,
      )
    })
    socket.on('round:start', (message) => void this.#train(message))
    socket.on('round:cancel', (message) => this.#cancel(message))
    socket.on('model:global', (message) => void this.#evaluate(message))
    socket.on('federation:metrics', (message) => state.set({ federation: message }))
    socket.on('notice', (notice) => state.notice(notice.level, notice.text))
    socket.on('task:state', (taskState) => {
      state.set({ taskState })
      this.#guard.shown(taskState)
    })
    socket.on('statistics:request', (request) => void this.#shareStatistics(request))
    socket.on('he:key-generate', (message) => model.generateKey(message))
    socket.on('he:key-share', (message) => model.shareKey(message))
    socket.on('he:key-set', (message) => model.keySet(message, this.keys.publicKey))
    socket.on('he:key-envelope', (message) => model.openKey(message))
    socket.on('model:encrypted', (message) => model.aggregate(message))
    socket.on('he:checkpoint-request', (message) => model.checkpoint(message))
    socket.on('he:checkpoint-verify', (message) => model.verifyCheckpoint(message))
    socket.on('training:finished', ({ rounds }) => {
      state.finished = true
      const status = state.snapshot.status === 'idle' ? 'finished' : state.snapshot.status
      state.set({ status }, 'info', `training finished after ${rounds} rounds`)
    })
    void this.#sender.showTotals()
    if (socket.connected) void this.#join()
    else socket.connect()
  }

  stop(): void {
    this.#link.stop()
    this.#abortTraining()
    this.socket.removeAllListeners()
    this.socket.disconnect()
    this.#state.clearListeners()
    this.#model.dispose()
  }

  async #join(): Promise<void> {
    const state = this.#state
    const link = this.#link
    try {
      state.set({ status: 'preparing' })
      const staked = await stakeBeforeJoin(this.socket, this.keys, this.taskId)
      if (!staked.ok) {
        state.set({ status: 'failed' }, 'error', `cannot join: ${staked.error.message}`)
        return
      }
      if (staked.value) state.notice('info', staked.value)
      // Proof that this tab holds its account key: a signature of this connection's fresh challenge.
      const challenge = await link.ask('client:challenge', {})
      if (challenge === undefined) {
        if (!link.stopped) state.set({ status: 'failed' })
        return
      }
      const hello = await link.ask('client:hello', {
        protocol: PROTOCOL_VERSION,
        backend: this.trainer.backend,
        taskId: this.taskId,
        publicKey: this.keys.publicKey,
        ...(this.encryption
          ? {
              envelopeKey: this.encryption.envelopeKey.slice().buffer,
              envelopeSignature: signEnvelopeKey(this.keys, this.taskId, this.encryption.envelopeKey),
            }
          : {}),
        proof: proveIdentity(this.keys, 'privx-join', challenge, this.taskId),
      })
      if (hello === undefined) {
        // Refused (the reason is in the notices) or unanswered: this tab cannot train here.
        if (!link.stopped) state.set({ status: 'failed' })
        return
      }
      this.#sender.setLimits(hello)
      // Joined from here: a key envelope for this id may arrive while the data is prepared.
      state.set({ clientId: hello.clientId, taskState: hello.state })
      this.#guard.joined(hello.state)
      // Keep the data already prepared for this task: a reconnect must not swap the tab's rows.
      let data = state.snapshot.task?.id === hello.task.id ? state.snapshot.data : null
      if (!data) data = await this.trainer.prepare(hello.task, hello.partition)
      state.set({ task: hello.task, data })
      const ready = await link.ask('client:ready', {
        trainExamples: data.trainExamples,
        testExamples: data.testExamples,
      })
      if (ready === undefined) return
      this.#backoff.joined(Date.now())
      state.set(
        { status: 'idle' },
        'info',
        `joined as ${hello.clientId} with ${data.trainExamples} training examples`,
      )
      await this.#evaluate(hello.model)
    } catch (error) {
      state.set({ status: 'failed' }, 'error', `could not join: ${errorMessage(error)}`)
    }
  }

  async #train(message: RoundStartMessage): Promise<void> {
    const state = this.#state
    this.#abortTraining()
    state.finished = false
    // Below what this tab agreed to (or past its example-level budget): refused before training, nothing sent.
    if (!this.#guard.admit(message, (round, delta) => this.#sender.exampleEpsilonAfter(round, delta))) {
      // Said at once (only that this tab sits the round out, and why), so the round need not wait for its deadline.
      const refused = state.snapshot.enforcement?.refused
      if (refused?.round === message.round)
        this.socket.emit(
          'client:decline',
          { round: message.round, reason: refused.reasons.join('; ').slice(0, 300) },
          () => {},
        )
      return
    }
    const weights = await this.#roundWeights(message)
    if (!weights.ok) {
      state.notice('error', `round ${message.round}: ${weights.error.message}`)
      return
    }
    const controller = new AbortController()
    this.#training = { round: message.round, controller }
    state.set({ status: 'training', round: message.round, progress: 0, deadline: message.deadline })
    try {
      const privacy = message.privacy && {
        clipNorm: message.privacy.clipNorm,
        noiseStd: message.privacy.noiseStd,
      }
      // Under DP the tab's pace and loss stay here: the coordinator learns only that it trains, then the update.
      const reportsProgress = !trainsUnderDp(message)
      const result = await stageTimes.timeAsync('train', () =>
        this.trainer.train(
          { weights: weights.value, settings: message.settings, privacy },
          (progress) => {
            if (controller.signal.aborted) return
            state.set({ progress: progress.fraction })
            if (!reportsProgress) return
            const now = Date.now()
            if (now - this.#lastProgressSent >= PROGRESS_INTERVAL_MS || progress.fraction >= 1) {
              this.#lastProgressSent = now
              this.socket.emit('client:progress', { round: message.round, ...progress })
            }
          },
          controller.signal,
        ),
      )
      if (controller.signal.aborted) return
      await this.#sender.send(message, result, controller.signal)
      if (this.#training?.controller === controller) state.set({ status: state.resting() })
    } catch (error) {
      if (isAbortError(error)) return
      state.set(
        { status: state.resting() },
        'error',
        `round ${message.round}: training failed: ${errorMessage(error)}`,
      )
    } finally {
      if (this.#training?.controller === controller) this.#training = null
    }
  }

  #cancel(message: RoundCancelMessage): void {
    if (this.#training?.round !== message.round) return
    this.#abortTraining()
    this.#state.set(
      { status: this.#state.resting(), progress: 0 },
      'warning',
      `round ${message.round} cancelled: ${message.reason}`,
    )
  }

  /** A global model: held and scored, or (under encryption) replayed from its aggregates once the key is here. */
  async #evaluate(message: GlobalModelMessage): Promise<void> {
    const weights = decodeFloat32(message.weights)
    if (!weights.ok) {
      this.#state.notice('error', `model ${message.version}: unreadable weights: ${weights.error.message}`)
      return
    }
    if (message.round === 0) this.#state.finished = false
    if (message.replay) {
      this.#model.catchUp(message.replay, { round: message.round, weights: weights.value })
      return
    }
    const model = { round: message.round, version: message.version, weights: weights.value }
    this.#model.holdPlain(model)
    await this.#evaluateModel(model)
  }

  /** Scores a global model on this tab's held-out split and reports the counts. */
  async #evaluateModel({ round, version, weights }: HeldModel): Promise<void> {
    const state = this.#state
    const digest = weightsDigest(weights)
    state.set({ global: { round, version, digest } })
    if (!state.snapshot.data) return
    try {
      const result = await stageTimes.timeAsync('evaluate', () => this.trainer.evaluate(weights))
      const metrics = {
        ...classificationMetrics(result.confusion),
        loss: result.lossSum / Math.max(1, result.examples),
      }
      state.set({ localEvaluation: { version, metrics } })
      await this.#link.ask('client:evaluation', { version, ...result })
    } catch (error) {
      state.notice('error', `evaluating ${version} failed: ${errorMessage(error)}`)
    }
  }

  /** The weights a round trains from: sent in the clear, or (encrypted rounds) the model this tab decrypted. */
  async #roundWeights(message: RoundStartMessage): Promise<Result<Float32Array>> {
    if (message.encryption) return this.#model.weightsFor(message.model.version)
    const weights = decodeFloat32(message.model.weights)
    return weights.ok
      ? weights
      : {
          ok: false,
          error: { ...weights.error, message: `unreadable global weights: ${weights.error.message}` },
        }
  }

  /**
   * Answers a request for column statistics with local-DP noised aggregates (CSV tasks only), within this tab's own
   * statistics budget (`statistics-budget.ts`): a request past it is refused with the reason, nothing sent.
   */
  async #shareStatistics(request: StatisticsRequest): Promise<void> {
    const state = this.#state
    if (state.snapshot.task?.dataset.kind !== 'csv') return
    if (!this.#guard.admitStatistics(request.epsilon)) return
    try {
      const columns = await this.trainer.columnStatistics(request.epsilon)
      const sent = await this.#link.ask('client:statistics', { requestId: request.requestId, columns })
      if (sent !== undefined) {
        state.notice(
          'info',
          `shared noised statistics of ${columns.length} columns (local DP, epsilon ${request.epsilon} on this tab's rows)`,
        )
      }
    } catch (error) {
      state.notice('error', `column statistics failed: ${errorMessage(error)}`)
    }
  }

  #abortTraining(): void {
    this.#training?.controller.abort()
    this.#training = null
  }
}
