import { bytesOf } from '../../shared/codec'
import { errorMessage } from '../../shared/errors'
import type {
  EncryptedAggregateMessage,
  GlobalModelMessage,
  KeyEnvelopeDelivery,
  KeyGenerateMessage,
  KeyShareMessage,
} from '../../shared/protocol'
import type { Result } from '../../shared/result'
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
 * The global model this tab holds, and the encrypted-model protocol that moves it under encryption: the task's key
 * (generated here, or opened from another tab's envelope, and sealed for others), and the encrypted aggregates,
 * applied in order once the key is here. Key and aggregate work runs one step at a time in arrival order; a
 * failure becomes a notice, never an unhandled rejection.
 */
export class EncryptedModel {
  #current: HeldModel | null = null
  /** Encrypted aggregates not yet applied (waiting for the key, or for the one before). */
  #pending: EncryptedAggregateMessage[] = []
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

  /** A model sent in the clear: held as is, and any pending aggregate is dropped. */
  holdPlain(model: HeldModel): void {
    this.#pending = []
    this.#current = model
  }

  /** The last model sent in the clear and the encrypted aggregates since: replayed once the key is here. */
  catchUp(
    message: GlobalModelMessage & { encrypted: readonly EncryptedAggregateMessage[] },
    base: Float32Array,
  ) {
    const first = message.encrypted[0]!
    this.#current = { round: first.round - 1, version: first.previousVersion, weights: base }
    this.#pending = [...message.encrypted]
    this.#work('catching up with the encrypted model', () => this.#apply())
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
          message: `the round trains model ${version}; this tab holds ${current?.version ?? 'none'} (an encrypted aggregate is missing)`,
        },
      }
    }
    return { ok: true, value: current.weights }
  }

  generateKey({ keyId, preset }: KeyGenerateMessage): void {
    this.#work(`generating encryption key ${keyId}`, async (enc) => {
      await enc.generate(keyId, preset)
      await this.#keyStored(keyId, 'generated')
    })
  }

  shareKey({ keyId, recipient, recipientKey }: KeyShareMessage): void {
    this.#work(`sealing key ${keyId} for ${recipient}`, async (enc) => {
      const envelope = await enc.share(keyId, recipient, bytesOf(recipientKey))
      await this.link.ask('client:he-envelope', { keyId, recipient, envelope })
    })
  }

  openKey({ keyId, preset, envelope }: KeyEnvelopeDelivery): void {
    this.#work(`opening the sealed key ${keyId}`, async (enc) => {
      const self = this.state.snapshot.clientId
      if (!self) throw new Error('not joined')
      await enc.receive(keyId, preset, envelope, self)
      await this.#keyStored(keyId, 'received')
    })
  }

  aggregate(message: EncryptedAggregateMessage): void {
    this.#bytesDown = message.ciphertexts.reduce((n, c) => n + bytesOf(c).byteLength, 0)
    this.#pending.push(message)
    this.#work(`decrypting the aggregate of round ${message.round}`, () => this.#apply())
  }

  /** An encrypted update was accepted: its costs join the round's, returned for the snapshot. */
  uploaded(round: number, encryptMs: number, bytesUp: number): EncryptionCost & { round: number } {
    this.#cost = { ...this.#cost, round, encryptMs, bytesUp }
    return { ...this.#cost }
  }

  /** Frees the key once pending key work is done, so no SEAL object is freed while in use. */
  dispose(): void {
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

  /** Applies every pending aggregate it can (decrypt the sum, average, step the model), then hands on the result. */
  async #apply(): Promise<void> {
    const enc = this.encryption
    let applied: HeldModel | null = null
    while (enc && this.#current && this.#pending.length > 0) {
      const next = this.#pending[0]!
      if (next.keyId !== enc.keyId) return // the key is on its way
      this.#pending.shift()
      if (next.previousVersion !== this.#current.version) {
        this.state.notice(
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
      const encryption = this.state.snapshot.encryption
      if (encryption) this.state.set({ encryption: { ...encryption, last: { ...this.#cost } } })
    }
    if (applied) await this.onModel(applied)
  }
}
