import { bytesOf } from '../../shared/codec'
import { errorMessage } from '../../shared/errors'
import { compareCheckpoint } from '../../shared/he/checkpoint'
import { weightsDigest } from '../../shared/model/version'
import type {
  CheckpointRequest,
  EncryptedAggregateMessage,
  EncryptedCheckpointMessage,
  EncryptedReplayInfo,
  EnvelopeKeySetMessage,
  KeyEnvelopeDelivery,
  KeyGenerateMessage,
  KeyShareMessage,
} from '../../shared/protocol'
import type { Result } from '../../shared/result'
import { readReplay } from './replay-reader'
import type { SessionLink } from './session-link'
import type { SessionState } from './session-state'
import type { EncryptionCost, TabEncryption } from './tab-encryption'

/** A global model as this tab holds it. */
export interface HeldModel {
  readonly round: number
  readonly version: string
  readonly weights: Float32Array
}

/**
 * Bytes of aggregates held for later (waiting for the key, or for the one before). Beyond it the newest are not
 * held: once the key is here the tab reads what it misses from the replay again, after the model it holds.
 */
const MAX_PENDING_BYTES = 128 * 1024 * 1024
/** Recent models kept to verify another holder's checkpoint of them. */
const RECENT_MODELS = 3

const aggregateBytes = (message: EncryptedAggregateMessage): number =>
  message.ciphertexts.reduce((n, c) => n + bytesOf(c).byteLength, 0)

/**
 * The global model this tab holds, and the encrypted-model protocol that moves it under encryption: the task's key
 * (generated here, or opened from another tab's envelope, and sealed for others), the encrypted aggregates, applied
 * in order once the key is here, the replay a late tab reads in parts (a checkpoint, then the aggregates after it),
 * and the checkpoints this tab encrypts when asked. Key and aggregate work runs one step at a time in arrival
 * order; a failure becomes a notice (and, for a key, a report that gets it sealed again), never an unhandled
 * rejection.
 */
export class EncryptedModel {
  #current: HeldModel | null = null
  /** Aggregates not yet applied, by the version they follow. */
  readonly #pending = new Map<string, EncryptedAggregateMessage>()
  /** A checkpoint to start from once the key is here. */
  #checkpoint: EncryptedCheckpointMessage | null = null
  /** The last model sent in the clear: where a replay without a checkpoint starts. */
  #base: Float32Array | null = null
  #replaying = false
  /** Why the last replay failed (the tab then holds no model until it reconnects). */
  #replayFailed: string | null = null
  /** Aggregates were not held (over the bound): the replay is read again once the key is here. */
  #gap = false
  readonly #recent = new Map<string, Float32Array>()
  /** A replay read but not yet applied to its end: what was read, since when, and the round it leads to. */
  #catchingUp: {
    started: number
    /** Round of the model the reading started after (a reconnect), or null: from the start. */
    resumed: number | null
    checkpoint: number | null
    aggregates: number
    parts: number
  } | null = null
  /** Bumped by every new start (a model in the clear, a new replay): an older replay stops reading. */
  #generation = 0
  #queue: Promise<void> = Promise.resolve()
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
    private readonly link: SessionLink,
    private readonly state: SessionState,
    private readonly encryption: TabEncryption | null,
    /** Called with each model decrypted from aggregates (the last of a batch): the session scores it. */
    private readonly onModel: (model: HeldModel) => Promise<void>,
  ) {}

  get current(): HeldModel | null {
    return this.#current
  }

  /** A model sent in the clear: held as is, and any pending aggregate or replay is dropped. */
  holdPlain(model: HeldModel): void {
    this.#generation++
    this.#pending.clear()
    this.#checkpoint = null
    this.#catchingUp = null
    this.#replayFailed = null
    this.#replaying = false
    this.#gap = false
    this.#setCurrent(model)
  }

  /**
   * Catching up under encryption: `base` is the last model sent in the clear; the replay (a checkpoint, if any, and
   * the aggregates after it) is read part by part and applied once the key is here.
   */
  catchUp(info: EncryptedReplayInfo, base: { round: number; weights: Float32Array }): void {
    const generation = ++this.#generation
    this.#pending.clear()
    this.#checkpoint = null
    this.#base = base.weights
    this.#replayFailed = null
    this.#gap = false
    // A tab that reconnects keeps the model it holds and reads only what follows it (from the start if that part of
    // the history was compacted away, or belongs to a task reset since).
    const from = this.#current?.version ?? null
    void this.#replay(generation, from, info)
  }

  /** The weights an encrypted round trains from: the decrypted model, once pending key work is done. */
  async weightsFor(version: string): Promise<Result<Float32Array>> {
    await this.#queue
    const current = this.#current
    if (current?.version !== version) {
      return {
        ok: false,
        error: {
          code: 'stale-round',
          message: `the round trains model ${version}; this tab holds ${current?.version ?? (this.#replayFailed ? `none: catching up failed (${this.#replayFailed}); reload this tab to try again` : 'none yet (still catching up)')}`,
        },
      }
    }
    return { ok: true, value: current.weights }
  }

  generateKey({ keyId, preset }: KeyGenerateMessage): void {
    this.#work(`generating encryption key ${keyId}`, async (enc) => {
      try {
        await enc.generate(keyId, preset)
      } catch (error) {
        // Said so the coordinator asks another tab to generate it.
        await this.link.ask('client:he-key', { keyId, failed: errorMessage(error).slice(0, 300) })
        throw error
      }
      await this.#keyStored(keyId, 'generated')
    })
  }

  /** The task's envelope keys (`he:key-set`): verified, and shown with their fingerprint. */
  keySet(message: EnvelopeKeySetMessage, self: string): void {
    const enc = this.encryption
    if (!enc) return
    const keySet = enc.keySet.update(message?.keys, { account: self, envelopeKey: enc.envelopeKey })
    if (keySet.invalid === 0) this.state.set({ keySet })
    else
      this.state.set(
        { keySet },
        'warning',
        `${keySet.invalid} envelope key(s) without a valid signature left out`,
      )
  }

  shareKey({ keyId, recipient, recipientKey, recipientAccount }: KeyShareMessage): void {
    this.#work(`sealing key ${keyId} for ${recipient}`, async (enc) => {
      const envelope = await enc.share(keyId, recipient, bytesOf(recipientKey), recipientAccount)
      await this.link.ask('client:he-envelope', { keyId, recipient, envelope })
    })
  }

  openKey({ keyId, preset, envelope }: KeyEnvelopeDelivery): void {
    this.#work(`opening the sealed key ${keyId}`, async (enc) => {
      try {
        const self = this.state.snapshot.clientId
        if (!self) throw new Error('this tab has not joined yet')
        await enc.receive(keyId, preset, envelope, self)
      } catch (error) {
        // Said so the coordinator has another holder seal it again (or tells this tab why it cannot).
        await this.link.ask('client:he-key', { keyId, failed: errorMessage(error).slice(0, 300) })
        throw error
      }
      await this.#keyStored(keyId, 'received')
    })
  }

  aggregate(message: EncryptedAggregateMessage): void {
    this.#bytesDown = aggregateBytes(message)
    this.#hold(message)
    this.#work(`decrypting the aggregate of round ${message.round}`, () => this.#apply())
  }

  /** Encrypts the model held at the version asked for as a checkpoint late tabs start from, and uploads it. */
  checkpoint({ round, version, keyId }: CheckpointRequest): void {
    this.#work(`encrypting a checkpoint of round ${round}`, async (enc) => {
      const current = this.#current
      if (current?.version !== version) {
        throw new Error(`this tab holds ${current?.version ?? 'no model'}, not ${version}`)
      }
      const ciphertexts = await enc.encryptCheckpoint(keyId, current.weights)
      const digest = weightsDigest(current.weights)
      await this.link.ask('client:he-checkpoint', { round, version, keyId, digest, ciphertexts })
    })
  }

  /**
   * Decrypts another holder's checkpoint and compares it with the model this tab holds at that version (the
   * coordinator cannot read it, so it asks holders to vouch for it), then says what it found.
   */
  verifyCheckpoint(checkpoint: EncryptedCheckpointMessage): void {
    this.#work(`verifying the checkpoint of round ${checkpoint.round}`, async (enc) => {
      const own = this.#recent.get(checkpoint.version)
      let finding: { outcome: 'match' | 'mismatch' | 'unavailable'; reason?: string }
      if (!own)
        finding = { outcome: 'unavailable', reason: `this tab holds ${this.#current?.version ?? 'no model'}` }
      else {
        try {
          const weights = await enc.decryptCheckpoint(checkpoint)
          finding = compareCheckpoint(weights, own, checkpoint.digest, checkpoint.preset.startsWith('bfv'))
        } catch (error) {
          finding = {
            outcome: 'mismatch',
            reason: `it does not decrypt: ${errorMessage(error)}`.slice(0, 300),
          }
        }
      }
      await this.link.ask('client:he-checkpoint-verdict', { version: checkpoint.version, ...finding })
    })
  }

  /** An encrypted update was accepted: its costs join the round's, returned for the snapshot. */
  uploaded(round: number, encryptMs: number, bytesUp: number): EncryptionCost & { round: number } {
    this.#cost = { ...this.#cost, round, encryptMs, bytesUp }
    return { ...this.#cost }
  }

  /** Frees the key once pending key work is done, so no SEAL object is freed while in use. */
  dispose(): void {
    this.#generation++
    void this.#queue.then(() => this.encryption?.dispose())
  }

  #work(what: string, work: (enc: TabEncryption) => Promise<void>): void {
    const enc = this.encryption
    if (!enc) {
      this.state.notice('error', `${what}: this client cannot encrypt (no HE support)`)
      return
    }
    this.#queue = this.#queue.then(() =>
      work(enc).catch((error: unknown) =>
        this.state.notice('error', `${what} failed: ${errorMessage(error)}`),
      ),
    )
  }

  #hold(message: EncryptedAggregateMessage): void {
    if (this.#current && message.round <= this.#current.round) return
    let held = 0
    for (const m of this.#pending.values()) held += aggregateBytes(m)
    if (held + aggregateBytes(message) > MAX_PENDING_BYTES) {
      this.#gap = true
      return
    }
    this.#pending.set(message.previousVersion, message)
  }

  #setCurrent(model: HeldModel): void {
    this.#current = model
    this.#recent.set(model.version, model.weights)
    for (const version of this.#recent.keys()) {
      if (this.#recent.size <= RECENT_MODELS) break
      this.#recent.delete(version)
    }
  }

  /**
   * Reads the replay after `from` (null: from the start) and holds what it gets, then applies it. `info` (from the
   * hello) says what a replay from the start should find.
   */
  async #replay(generation: number, from: string | null, info?: EncryptedReplayInfo): Promise<void> {
    const started = performance.now()
    this.#catchingUp = null
    this.#replaying = true
    const fromRound = from === null ? null : (this.#current?.round ?? null)
    let read = { checkpoint: null as number | null, aggregates: 0, parts: 0, restarted: false }
    const outcome = await readReplay(
      this.link,
      from,
      () => generation === this.#generation,
      ({ checkpoint, aggregates }, after) => {
        if (after === null) {
          // A reading from the start: a checkpoint, or the model in the clear before the first aggregate.
          read = { checkpoint: null, aggregates: 0, parts: 0, restarted: from !== null }
          this.#pending.clear()
          if (checkpoint) {
            this.#checkpoint = checkpoint
            this.#current = null
            read.checkpoint = checkpoint.round
          } else if (aggregates[0] && this.#base) {
            const first = aggregates[0]
            this.#setCurrent({ round: first.round - 1, version: first.previousVersion, weights: this.#base })
          }
        }
        for (const aggregate of aggregates) this.#hold(aggregate)
        read.aggregates += aggregates.length
        read.parts++
      },
    )
    if (generation !== this.#generation || outcome === null) return
    this.#replaying = false
    if (!outcome.ok) {
      this.#replayFailed = outcome.reason
      this.state.notice(
        'error',
        `catching up with the encrypted model failed: ${outcome.reason}; reload this tab to try again`,
      )
      return
    }
    if (from === null && info && info.checkpointRound !== read.checkpoint) {
      // The history was compacted while this tab read it: what it read still leads to the current model.
      this.state.notice('info', 'the encrypted history was compacted while this tab read it')
    }
    const resumed = read.restarted || from === null ? null : fromRound
    this.#catchingUp = {
      started,
      resumed,
      checkpoint: read.checkpoint,
      aggregates: read.aggregates,
      parts: read.parts,
    }
    this.#work('catching up with the encrypted model', () => this.#apply())
  }

  async #keyStored(keyId: string, role: 'generated' | 'received'): Promise<void> {
    const previous = this.state.snapshot.encryption
    this.state.set(
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
    await this.link.ask('client:he-key', { keyId })
    await this.#apply()
  }

  /**
   * Applies all it can: the checkpoint to start from (decrypted and checked against its digest), then each
   * aggregate that follows the model held (decrypt the sum, average, step the model); hands on the result.
   */
  async #apply(): Promise<void> {
    const enc = this.encryption
    if (!enc) return
    const generation = this.#generation
    let applied: HeldModel | null = null
    const checkpoint = this.#checkpoint
    if (checkpoint && checkpoint.keyId === enc.keyId) {
      this.#checkpoint = null
      const weights = await enc.decryptCheckpoint(checkpoint)
      // A new model (a reset, a reconnect) came while this one decrypted: it wins.
      if (generation !== this.#generation) return
      if (weightsDigest(weights) !== checkpoint.digest) {
        throw new Error(
          `the checkpoint of round ${checkpoint.round} decrypts to weights whose digest is not ${checkpoint.digest.slice(0, 12)}: it was corrupted`,
        )
      }
      this.#setCurrent({ round: checkpoint.round, version: checkpoint.version, weights })
      applied = this.#current
    }
    for (;;) {
      const current = this.#current
      const next = current && this.#pending.get(current.version)
      if (!current || !next || next.keyId !== enc.keyId) break
      this.#pending.delete(current.version)
      const { average, ms } = await enc.decryptAverage(next)
      if (generation !== this.#generation) return
      const weights = new Float32Array(current.weights)
      for (let i = 0; i < weights.length; i++) weights[i]! += average[i]!
      this.#setCurrent({ round: next.round, version: next.version, weights })
      applied = this.#current
      this.#cost = { ...this.#cost, decryptMs: ms, bytesDown: this.#bytesDown }
      const encryption = this.state.snapshot.encryption
      if (encryption) this.state.set({ encryption: { ...encryption, last: { ...this.#cost } } })
    }
    const current = this.#current
    const round = current?.round ?? 0
    for (const [key, message] of this.#pending) if (message.round <= round) this.#pending.delete(key)
    // Aggregates this tab did not hold (over the bound), or a hole before those it holds: read the replay again
    // from the model it holds, once it can decrypt.
    const hole = current && this.#pending.size > 0 && !this.#pending.has(current.version)
    if (current && enc.keyId && !this.#replaying && !this.#replayFailed && (this.#gap || hole)) {
      this.#gap = false
      void this.#replay(generation, current.version)
    }
    const caughtUp = this.#catchingUp
    if (applied && caughtUp && this.#pending.size === 0) {
      this.#catchingUp = null
      const seconds = ((performance.now() - caughtUp.started) / 1000).toFixed(1)
      const from =
        caughtUp.resumed !== null
          ? `the model it held (round ${caughtUp.resumed})`
          : caughtUp.checkpoint === null
            ? 'the model in the clear'
            : `the checkpoint of round ${caughtUp.checkpoint}`
      this.state.notice(
        'info',
        `caught up with the encrypted model at round ${applied.round}: ${from} and ${caughtUp.aggregates} aggregate(s), read in ${caughtUp.parts} part(s), ${seconds} s after joining`,
      )
    }
    if (applied) await this.onModel(applied)
  }
}
