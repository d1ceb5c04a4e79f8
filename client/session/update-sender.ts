import type { KeyPair } from '../../shared/chain/keys'
import { hashAndSignUpdate, signUpdate } from '../../shared/chain/update-signature'
import { encodeFloat32 } from '../../shared/codec'
import { ciphertextsHash } from '../../shared/he/wire'
import { stageTimes } from '../../shared/metrics/stage-times'
import type { PrivacyLedger } from '../../shared/privacy/ledger'
import {
  countDpSgdRound,
  countUpdate,
  type DpSgdRound,
  dpSgdEpsilon,
  EMPTY_PARTICIPANT_LEDGER,
  type ParticipantLedger,
  updatesEpsilon,
  updatesSent,
} from '../../shared/privacy/participant-ledger'
import { countParticipation, participationEpsilon } from '../../shared/privacy/participation'
import type { RoundPrivacyMessage, RoundStartMessage } from '../../shared/protocol'
import type { TrainResult } from '../training/trainer-port'
import { addSent, type CumulativePrivacy, cumulativeEpsilon, type PrivacyStore } from './cumulative-privacy'
import type { EncryptedModel } from './encrypted-model'
import { request, unanswered } from './request'
import type { SessionLink } from './session-link'
import type { SessionState } from './session-state'
import type { TabEncryption } from './tab-encryption'

/** How long past the round's deadline the answer to an upload-slot request is awaited (the coordinator's own wait). */
const SLOT_ANSWER_MARGIN_MS = 30_000
/** Pause before asking for an upload slot again after the coordinator's queue was full. */
const SLOT_RETRY_MS = 1000

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })

/** Room left in a message beside the delta's bytes (the update's other fields and socket.io's framing). */
const ENVELOPE_BYTES = 4096

/** The bytes as an ArrayBuffer of exactly their length (copied only when the view is part of a larger buffer). */
const ownBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer)

export interface UpdateSenderDeps {
  readonly link: SessionLink
  readonly state: SessionState
  /** This participant's account: it signs every update. */
  readonly keys: KeyPair
  readonly taskId: string
  readonly encryption: TabEncryption | null
  readonly model: EncryptedModel
  /** This browser's privacy totals across tasks (`browserPrivacyStore`; in memory for the Node client). */
  readonly privacyStore: PrivacyStore
}

/**
 * Whether a round trains under DP (client-level noise on the update, or DP-SGD): then the tab sends no training
 * loss, accuracy or progress, which would leak its rows outside epsilon; only the noised update and its count.
 */
export function trainsUnderDp(message: RoundStartMessage): boolean {
  return message.privacy !== null || message.settings.dpSgd !== null
}

/** The update's local training metrics, or nothing under DP. */
const metricsField = (message: RoundStartMessage, result: TrainResult) =>
  trainsUnderDp(message) ? {} : { metrics: result.metrics }

/**
 * Sends a trained round's update, signed: the delta as bytes (`client:update`, after `client:upload` when it is over
 * the coordinator's base frame), or its ciphertexts under the task key (`client:encrypted-update`). The update's
 * privacy counts as it is sent, whatever the answer (a refused or late upload leaked too): this tab's participant
 * ledger, its epsilon against the public, and this browser's totals across tasks. Rounds trained count once the
 * update is accepted. Refusals and missing answers are notices (`SessionLink`); an update over the coordinator's
 * limit throws.
 */
export class UpdateSender {
  #maxMessageBytes = Number.POSITIVE_INFINITY
  /** Largest frame the coordinator takes without an upload grant. */
  #frameBytes = Number.POSITIVE_INFINITY
  #ledger: ParticipantLedger = EMPTY_PARTICIPANT_LEDGER
  /** Client-level DP rounds this tab sent an update in, at q = 1 (participation is public on the chain). */
  #participations: PrivacyLedger = []

  constructor(private readonly deps: UpdateSenderDeps) {}

  /** The coordinator's limits, from its hello reply. */
  setLimits(limits: { readonly maxMessageBytes: number; readonly frameBytes: number }): void {
    this.#maxMessageBytes = limits.maxMessageBytes
    this.#frameBytes = limits.frameBytes
  }

  /** This tab's example-level epsilon at `delta` once `round` is counted (for a refusal before training). */
  exampleEpsilonAfter(round: DpSgdRound, delta: number): number {
    return dpSgdEpsilon(countDpSgdRound(this.#ledger, round), delta)
  }

  /** Sends `result` for the round `message` started; stops quietly once `signal` aborts. */
  send(message: RoundStartMessage, result: TrainResult, signal: AbortSignal): Promise<void> {
    return message.encryption
      ? this.#sendEncrypted(message, result, signal)
      : this.#sendPlain(message, result, signal)
  }

  async #sendPlain(message: RoundStartMessage, result: TrainResult, signal: AbortSignal): Promise<void> {
    const { link, keys, taskId } = this.deps
    const delta = encodeFloat32(result.delta)
    if (delta.byteLength + ENVELOPE_BYTES > this.#maxMessageBytes) {
      throw new Error(
        `update of ${delta.byteLength} bytes exceeds the coordinator's ${this.#maxMessageBytes}-byte limit`,
      )
    }
    this.#submitting(message, result)
    // A delta over the base frame cap waits for one of the task's upload slots (bounded memory on a burst); it is
    // hashed and signed while that request is on its way.
    const slot =
      delta.byteLength > this.#frameBytes ? this.#uploadSlot(message, delta.byteLength, signal) : null
    const { signature } = await stageTimes.timeAsync('sign', () =>
      hashAndSignUpdate(keys, taskId, message.round, new Uint8Array(delta)),
    )
    if (signal.aborted) return
    if (slot && !(await slot)) return
    const sending = link.ask('client:update', {
      round: message.round,
      baseVersion: message.model.version,
      examples: result.examples,
      delta,
      ...metricsField(message, result),
      signature,
    })
    this.#count(message, result, result.clip?.clipped ?? false)
    if ((await sending) === undefined) return
    this.deps.state.set({ roundsTrained: this.deps.state.snapshot.roundsTrained + 1 })
  }

  /**
   * Waits for an upload slot of the task. The coordinator queues the request (backpressure) and answers once a slot
   * is free, so the answer is awaited until the round's deadline and a margin; a `rate-limited` answer (its queue was
   * full) is asked again after a pause while the round lasts. False, with a notice, when no slot came.
   */
  async #uploadSlot(message: RoundStartMessage, bytes: number, signal: AbortSignal): Promise<boolean> {
    const { link, state, taskId } = this.deps
    for (;;) {
      const room = await request(
        link.socket,
        'client:upload',
        { kind: 'update', taskId, bytes },
        {
          timeoutMs: Math.max(0, message.deadline - Date.now()) + SLOT_ANSWER_MARGIN_MS,
          retryRateLimited: false,
          signal,
        },
      )
      if (signal.aborted || link.stopped) return false
      if (room.ok) return true
      const { error } = room
      if (error.code === 'rate-limited' && Date.now() + SLOT_RETRY_MS < message.deadline) {
        await pause(SLOT_RETRY_MS, signal)
        if (signal.aborted) return false
        continue
      }
      state.notice(
        'error',
        unanswered(error)
          ? `client:upload: ${error.message}`
          : `client:upload refused (${error.code}): ${error.message}`,
      )
      return false
    }
  }

  /** Encrypts the trained delta under the task key and sends the ciphertexts, signed. */
  async #sendEncrypted(message: RoundStartMessage, result: TrainResult, signal: AbortSignal): Promise<void> {
    const { link, state, keys, taskId, model } = this.deps
    const enc = this.deps.encryption
    const encryption = message.encryption!
    if (!enc) throw new Error('this client cannot encrypt (no HE support)')
    this.#submitting(message, result)
    const { ciphertexts, clamped, ms } = await enc.encryptUpdate(encryption, result.delta, result.examples)
    if (signal.aborted) return
    const sending = link.ask('client:encrypted-update', {
      round: message.round,
      baseVersion: message.model.version,
      examples: result.examples,
      keyId: encryption.keyId,
      ciphertexts: ciphertexts.map(ownBuffer),
      ...metricsField(message, result),
      clamped,
      signature: stageTimes.time('sign', () =>
        signUpdate(keys, taskId, message.round, ciphertextsHash(ciphertexts)),
      ),
    })
    this.#count(message, result, false)
    if ((await sending) === undefined) return
    const bytesUp = ciphertexts.reduce((n, c) => n + c.byteLength, 0)
    const previous = state.snapshot.encryption
    state.set({
      roundsTrained: state.snapshot.roundsTrained + 1,
      encryption: {
        keyId: encryption.keyId,
        preset: encryption.preset,
        role: previous?.role ?? null,
        encryptedRounds: (previous?.encryptedRounds ?? 0) + 1,
        last: model.uploaded(message.round, ms, bytesUp),
      },
    })
    if (clamped > 0)
      state.notice(
        'warning',
        `round ${message.round}: ${clamped} coordinates clamped to ±${encryption.clamp}`,
      )
  }

  #submitting(message: RoundStartMessage, result: TrainResult): void {
    this.deps.state.set({
      status: 'submitting',
      progress: 1,
      lastTraining: { round: message.round, ...result.metrics, durationMs: result.durationMs },
    })
  }

  /** A sent update's privacy: client-level DP noise on the update, DP-SGD steps over this tab's rows. */
  #count(message: RoundStartMessage, result: TrainResult, clipped: boolean): void {
    if (message.privacy) this.#countUpdate(message.privacy, clipped)
    void this.#countAcrossTasks(message, result)
    const { settings, encryption, privacy } = message
    this.deps.state.set({
      lastUpload: {
        round: message.round,
        encryption: encryption ? { preset: encryption.preset, keyId: encryption.keyId } : null,
        privacy: privacy
          ? { mode: privacy.mode, clipNorm: privacy.clipNorm, noiseStd: privacy.noiseStd }
          : null,
        dpSgd: settings.dpSgd ? { noiseMultiplier: settings.dpSgd.noiseMultiplier } : null,
      },
    })
    if (settings.dpSgd) {
      this.#ledger = countDpSgdRound(this.#ledger, dpSgdRoundOf(message, result)!)
      this.deps.state.set({
        exampleLevel: {
          epsilon: dpSgdEpsilon(this.#ledger, settings.dpSgd.delta),
          delta: settings.dpSgd.delta,
          rounds: this.#ledger.dpSgdRounds,
          ledger: this.#ledger.dpSgd,
        },
      })
    }
  }

  /**
   * The released models' epsilon (the coordinator's accountant, Poisson-subsampled) and this tab's own against the
   * coordinator (the participant ledger: each update one unsubsampled Gaussian release).
   */
  #countUpdate(privacy: RoundPrivacyMessage, clipped: boolean): void {
    this.#ledger = countUpdate(this.#ledger, privacy, clipped)
    this.#participations = countParticipation(this.#participations, privacy.noiseMultiplier)
    this.deps.state.set({
      privacy: {
        mode: privacy.mode,
        delta: privacy.delta,
        epsilonBudget: privacy.epsilonBudget,
        releasedEpsilon: privacy.epsilonAfterRound,
        publicEpsilon: participationEpsilon(this.#participations, privacy.delta),
        ownEpsilon: updatesEpsilon(this.#ledger, privacy.delta),
        updates: updatesSent(this.#ledger),
        clippedUpdates: this.#ledger.clippedUpdates,
        ledger: this.#ledger.updates,
      },
    })
  }

  /** Shows this browser's stored totals (earlier sessions and tasks) before this session sends anything. */
  async showTotals(): Promise<void> {
    try {
      const totals = await this.deps.privacyStore.read()
      if (totals && !this.deps.state.snapshot.cumulative) this.#showTotals(totals)
    } catch (error) {
      this.deps.state.notice('error', `could not read this browser's privacy totals: ${String(error)}`)
    }
  }

  #showTotals(totals: CumulativePrivacy): void {
    const epsilon = cumulativeEpsilon(totals)
    this.deps.state.set({
      cumulative: {
        epsilon: epsilon.updates,
        exampleEpsilon: epsilon.dpSgd,
        delta: totals.delta,
        sends: totals.sends,
        tasks: totals.tasks.length,
      },
    })
  }

  /** Adds the sent update to this browser's totals (stored; tabs of the browser share them) and shows them. */
  async #countAcrossTasks(message: RoundStartMessage, result: TrainResult): Promise<void> {
    const { privacy } = message
    const dpSgd = dpSgdRoundOf(message, result)
    if (!privacy && !dpSgd) return
    const sent = {
      taskId: this.deps.taskId,
      updateNoise: privacy && privacy.noiseStd / privacy.clipNorm,
      dpSgd,
      delta: privacy?.delta ?? message.settings.dpSgd!.delta,
    }
    try {
      this.#showTotals(await this.deps.privacyStore.update((current) => addSent(current, sent)))
    } catch (error) {
      this.deps.state.notice('error', `could not record this update's privacy cost: ${String(error)}`)
    }
  }
}

/** The DP-SGD round a result trained, when the round asked for DP-SGD. */
function dpSgdRoundOf(message: RoundStartMessage, result: TrainResult) {
  const { settings } = message
  return settings.dpSgd
    ? {
        rows: result.examples,
        batchSize: settings.batchSize,
        epochs: settings.epochs,
        noiseMultiplier: settings.dpSgd.noiseMultiplier,
      }
    : null
}
