import type { KeyPair } from '../../shared/chain/keys'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { encodeFloat32 } from '../../shared/codec'
import { ciphertextsHash } from '../../shared/he/wire'
import {
  countDpSgdRound,
  countUpdate,
  dpSgdEpsilon,
  EMPTY_PARTICIPANT_LEDGER,
  type ParticipantLedger,
  updatesEpsilon,
  updatesSent,
} from '../../shared/privacy/participant-ledger'
import type { RoundPrivacyMessage, RoundStartMessage } from '../../shared/protocol'
import type { TrainResult } from '../training/trainer-port'
import type { EncryptedModel } from './encrypted-model'
import type { SessionLink } from './session-link'
import type { SessionState } from './session-state'
import type { TabEncryption } from './tab-encryption'

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
}

/**
 * Sends a trained round's update, signed: the delta as bytes (`client:update`, after `client:upload` when it is over
 * the coordinator's base frame), or its ciphertexts under the task key (`client:encrypted-update`). Once the update is
 * accepted, and only then, the round counts: rounds trained, and this tab's privacy in its participant ledger.
 * Refusals and missing answers are notices (`SessionLink`); an update over the coordinator's limit throws.
 */
export class UpdateSender {
  #maxMessageBytes = Number.POSITIVE_INFINITY
  /** Largest frame the coordinator takes without an upload grant. */
  #frameBytes = Number.POSITIVE_INFINITY
  #ledger: ParticipantLedger = EMPTY_PARTICIPANT_LEDGER

  constructor(private readonly deps: UpdateSenderDeps) {}

  /** The coordinator's limits, from its hello reply. */
  setLimits(limits: { readonly maxMessageBytes: number; readonly frameBytes: number }): void {
    this.#maxMessageBytes = limits.maxMessageBytes
    this.#frameBytes = limits.frameBytes
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
    const hash = updateHash(new Uint8Array(delta))
    // A delta over the base frame cap waits for one of the task's upload slots (bounded memory on a burst).
    if (delta.byteLength > this.#frameBytes) {
      const room = await link.ask('client:upload', { kind: 'update', taskId, bytes: delta.byteLength })
      if (room === undefined || signal.aborted) return
    }
    const accepted = await link.ask('client:update', {
      round: message.round,
      baseVersion: message.model.version,
      examples: result.examples,
      delta,
      metrics: result.metrics,
      signature: signUpdate(keys, taskId, message.round, hash),
    })
    if (accepted === undefined) return
    this.deps.state.set({ roundsTrained: this.deps.state.snapshot.roundsTrained + 1 })
    this.#count(message, result, result.clip?.clipped ?? false)
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
    const accepted = await link.ask('client:encrypted-update', {
      round: message.round,
      baseVersion: message.model.version,
      examples: result.examples,
      keyId: encryption.keyId,
      ciphertexts: ciphertexts.map(ownBuffer),
      metrics: result.metrics,
      clamped,
      signature: signUpdate(keys, taskId, message.round, ciphertextsHash(ciphertexts)),
    })
    if (accepted === undefined) return
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
    this.#count(message, result, false)
  }

  #submitting(message: RoundStartMessage, result: TrainResult): void {
    this.deps.state.set({
      status: 'submitting',
      progress: 1,
      lastTraining: { round: message.round, ...result.metrics, durationMs: result.durationMs },
    })
  }

  /** An accepted update's privacy: client-level DP noise on the update, DP-SGD steps over this tab's rows. */
  #count(message: RoundStartMessage, result: TrainResult, clipped: boolean): void {
    if (message.privacy) this.#countUpdate(message.privacy, clipped)
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
      this.#ledger = countDpSgdRound(this.#ledger, {
        rows: result.examples,
        batchSize: settings.batchSize,
        epochs: settings.epochs,
        noiseMultiplier: settings.dpSgd.noiseMultiplier,
      })
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
    this.deps.state.set({
      privacy: {
        mode: privacy.mode,
        delta: privacy.delta,
        epsilonBudget: privacy.epsilonBudget,
        releasedEpsilon: privacy.epsilonAfterRound,
        ownEpsilon: updatesEpsilon(this.#ledger, privacy.delta),
        updates: updatesSent(this.#ledger),
        clippedUpdates: this.#ledger.clippedUpdates,
        ledger: this.#ledger.updates,
      },
    })
  }
}
