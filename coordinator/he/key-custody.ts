import type { Binary } from '../../shared/codec'
import type { HePresetName } from '../../shared/he/parameters'
import { KEY_ID_BYTES, randomHexId } from '../../shared/ids'
import type { KeyEnvelopeMessage, ServerToClientEvents } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { ClientId } from '../../shared/rounds/state'

type Send = <E extends keyof ServerToClientEvents>(
  id: ClientId,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
) => void

/**
 * Who holds a task's HE secret key, and getting it to every tab without the coordinator ever holding it. One tab
 * generates the key set; each other tab gets the secret key sealed to its envelope key (ECDH + AES-GCM) by a tab
 * that holds it, relayed here as opaque bytes. The coordinator keeps no SEAL key of any kind: addition needs none.
 */
export class KeyCustody {
  #keyId: string | null = null
  #preset: HePresetName | null = null
  /** The tab asked to generate the current key, until it confirms. */
  #generator: ClientId | null = null
  readonly #holders = new Set<ClientId>()
  /** Tabs waiting for an envelope, and the holder asked to seal it. */
  readonly #pending = new Map<ClientId, ClientId>()
  readonly #envelopeKeys = new Map<ClientId, Binary>()
  #shareCursor = 0
  #warnedNoHolder = false

  constructor(
    private readonly send: Send,
    private readonly note: (level: 'info' | 'warning', text: string) => void,
    /** Whether encrypted aggregates exist under the current key (then a new key would strand the model). */
    private readonly hasEncryptedHistory: () => boolean,
  ) {}

  get keyId(): string | null {
    return this.#keyId
  }

  get preset(): HePresetName | null {
    return this.#preset
  }

  holds(id: ClientId): boolean {
    return this.#holders.has(id)
  }

  get holders(): number {
    return this.#holders.size
  }

  /** Every tab of the task that can receive a key (it announced an envelope key). */
  join(id: ClientId, envelopeKey: Binary | undefined): void {
    if (envelopeKey) this.#envelopeKeys.set(id, envelopeKey)
    this.#distribute()
  }

  leave(id: ClientId): void {
    this.#envelopeKeys.delete(id)
    this.#holders.delete(id)
    this.#pending.delete(id)
    if (this.#generator === id) {
      this.#generator = null
      if (!this.hasEncryptedHistory()) this.#keyId = null
    }
    // Requests the leaving tab was to answer go to another holder.
    for (const [recipient, holder] of this.#pending) if (holder === id) this.#pending.delete(recipient)
    this.#distribute()
  }

  /** Encryption switched on (or its scheme changed with no encrypted history): a fresh key for `preset`. */
  enable(preset: HePresetName): void {
    if (this.#preset === preset && this.#keyId) return
    this.#preset = preset
    this.#resetKey()
    this.#distribute()
  }

  disable(): void {
    this.#preset = null
    this.#resetKey()
  }

  /** A tab says it holds `keyId`: generated (the generator) or opened from an envelope. */
  confirm(id: ClientId, keyId: string): Result<null> {
    if (keyId !== this.#keyId) return fail('stale-round', `key ${keyId} is not this task's current key`)
    if (id !== this.#generator && !this.#pending.has(id) && !this.#holders.has(id)) {
      return fail('invalid-state', `${id} was not sent key ${keyId}`)
    }
    if (id === this.#generator) this.#generator = null
    this.#pending.delete(id)
    this.#holders.add(id)
    this.#warnedNoHolder = false
    this.note('info', `${id} holds encryption key ${keyId} (${this.#holders.size} tabs hold it)`)
    this.#distribute()
    return ok(null)
  }

  /** A holder's sealed key for `recipient`: relayed unopened. */
  relay(from: ClientId, keyId: string, recipient: ClientId, envelope: KeyEnvelopeMessage): Result<null> {
    if (keyId !== this.#keyId) return fail('stale-round', `key ${keyId} is not this task's current key`)
    if (!this.#holders.has(from)) return fail('forbidden', `${from} does not hold key ${keyId}`)
    if (this.#pending.get(recipient) !== from) {
      return fail('invalid-state', `${from} was not asked to seal key ${keyId} for ${recipient}`)
    }
    this.send(recipient, 'he:key-envelope', { keyId, preset: this.#preset!, envelope })
    return ok(null)
  }

  #resetKey(): void {
    this.#keyId = null
    this.#generator = null
    this.#holders.clear()
    this.#pending.clear()
  }

  #distribute(): void {
    if (!this.#preset) return
    if (!this.#keyId || (this.#holders.size === 0 && !this.#generator && !this.hasEncryptedHistory())) {
      const candidate = this.#envelopeKeys.keys().next()
      if (candidate.done) return
      this.#keyId = randomHexId(KEY_ID_BYTES)
      this.#generator = candidate.value
      this.#holders.clear()
      this.#pending.clear()
      this.note(
        'info',
        `${candidate.value} asked to generate encryption key ${this.#keyId} (${this.#preset})`,
      )
      this.send(candidate.value, 'he:key-generate', { keyId: this.#keyId, preset: this.#preset })
      return
    }
    const holders = [...this.#holders]
    if (holders.length === 0) {
      const waiting = [...this.#envelopeKeys.keys()].filter((id) => id !== this.#generator)
      if (waiting.length && !this.#generator && !this.#warnedNoHolder) {
        this.#warnedNoHolder = true
        this.note(
          'warning',
          `no tab holding encryption key ${this.#keyId} is connected: the encrypted model can only be read with it, so ${waiting.length} tab(s) wait for a key holder (or reset the task)`,
        )
      }
      return
    }
    for (const [recipient, recipientKey] of this.#envelopeKeys) {
      if (this.#holders.has(recipient) || this.#pending.has(recipient) || recipient === this.#generator)
        continue
      const holder = holders[this.#shareCursor++ % holders.length]!
      this.#pending.set(recipient, holder)
      this.send(holder, 'he:key-share', { keyId: this.#keyId, recipient, recipientKey })
    }
  }
}
