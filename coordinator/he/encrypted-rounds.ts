import { type Binary, bytesOf, encodeFloat32 } from '../../shared/codec'
import type { HeContextCache } from '../../shared/he/context-cache'
import { HeError } from '../../shared/he/errors'
import { MAX_ENCRYPTED_PARAMETERS, MAX_MESSAGE_ATTACHMENTS, presetFor } from '../../shared/he/limits'
import { planQuantization } from '../../shared/he/quantize'
import { bfvHalfModulus, type EncryptedVector } from '../../shared/he/vector'
import { ciphertextsHash, encryptedModelVersion } from '../../shared/he/wire'
import type {
  CheckpointUpload,
  CheckpointVerdictReport,
  DashboardSnapshot,
  EncryptedAggregateMessage,
  GlobalModelMessage,
  KeyEnvelopeMessage,
  ReplayChunk,
  RoundEncryptionMessage,
  ServerToClientEvents,
} from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { EncryptionConfig } from '../../shared/rounds/config'
import type { ClientId, RoundPrivacy } from '../../shared/rounds/state'
import { CHECKPOINT_VERIFIERS, CheckpointCollector } from './checkpoint-collector'
import { EncryptedAggregator, loadCiphertexts } from './encrypted-aggregator'
import { type ClearModel, EncryptedHistory } from './encrypted-history'
import { type EncryptedSum, EncryptedSumAggregator } from './encrypted-sum-aggregator'
import { type AnnouncedKey, KeyCustody } from './key-custody'

/** Aggregates after which a key holder is asked for an encrypted checkpoint (the replay's new start). */
export const CHECKPOINT_EVERY = 10

/** Bytes one replay part may carry besides its ciphertext count (the tabs' decoder takes any size). */
const REPLAY_PART_BYTES = 8 * 1024 * 1024

/** What closing an encrypted round gives the federation to record and announce. */
export interface ClosedEncryptedRound {
  readonly message: EncryptedAggregateMessage
  /** 64-hex hashes the chain names models by: the previous sum's (or the clear model's digest), and this sum's. */
  readonly modelBefore: string
  readonly modelAfter: string
  readonly bytesIn: number
  readonly bytesOut: number
}

type Send = <E extends keyof ServerToClientEvents>(
  id: ClientId,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
) => void

/**
 * A task's encrypted rounds, on the coordinator: the key's custody (held by tabs only), the settings of each
 * encrypted round (fixed-point plan, clamp, weighting), the streaming sum of the round's ciphertexts, and the
 * history a late tab replays (`encrypted-history.ts`), compacted by the checkpoints key holders encrypt every
 * `checkpointEvery` rounds. It holds no key and never sees a model after the first encrypted round.
 */
export class EncryptedRounds {
  readonly custody: KeyCustody
  #history: EncryptedHistory | null = null
  #round: { aggregator: EncryptedAggregator; message: RoundEncryptionMessage } | null = null
  readonly #checkpoints: CheckpointCollector
  /** Holders whose checkpoint the other tabs contradicted: not asked again. */
  readonly #distrusted = new Set<ClientId>()
  #askCursor = 0

  constructor(
    private readonly he: HeContextCache | null,
    private readonly parameters: number,
    private readonly send: Send,
    private readonly note: (level: 'info' | 'warning' | 'error', text: string) => void,
    checkpointEvery = CHECKPOINT_EVERY,
  ) {
    this.custody = new KeyCustody(send, note, () => this.count > 0)
    this.#checkpoints = new CheckpointCollector(checkpointEvery)
  }

  /** Aggregates released under encryption since the last model in the clear. */
  get count(): number {
    return this.#history?.released ?? 0
  }

  /** Whether the coordinator holds the current model in the clear. */
  get modelInClear(): boolean {
    return this.count === 0
  }

  /** Whether the current round's updates are encrypted. */
  get roundOpen(): boolean {
    return this.#round !== null
  }

  /** Whether `round` is the open round and its updates are encrypted. */
  isOpen(round: number, openRound: number | undefined): boolean {
    return this.#round !== null && openRound === round
  }

  /** Checks a change of mode and sets up (or drops) the key. The scheme is fixed once aggregates exist. */
  change(from: EncryptionConfig['mode'], to: EncryptionConfig['mode']): Result<null> {
    if (to === from) return ok(null)
    if (this.count > 0) {
      return fail(
        'invalid-state',
        `${this.count} rounds were aggregated under ${from.toUpperCase()} encryption: the coordinator does not hold that model, so the scheme cannot change now; reset the task first`,
      )
    }
    if (to === 'off') {
      this.custody.disable()
      this.#history = null
      return ok(null)
    }
    if (!this.he) return fail('invalid-config', 'this coordinator has no HE runtime (node-seal did not load)')
    if (this.parameters > MAX_ENCRYPTED_PARAMETERS) {
      return fail(
        'invalid-config',
        `encrypted rounds support models up to ${MAX_ENCRYPTED_PARAMETERS} parameters; this one has ${this.parameters}`,
      )
    }
    this.he.context(presetFor(to))
    this.custody.enable(presetFor(to))
    return ok(null)
  }

  /**
   * Opens an encrypted round under `keyId` (the round machine's plan), with the fixed-point plan for its clients
   * (BFV) and the clamp (widened under DP to cover the noise share): the message for its clients and the round's
   * aggregator. Null where the key is no longer the task's (the round then cannot take encrypted updates);
   * `refused` with the reason where the BFV plan cannot fit the plain modulus (too many clients, too large a weight
   * or clamp): the round is not run rather than run with settings that can wrap.
   */
  begin(
    keyId: string,
    config: EncryptionConfig,
    selected: readonly ClientId[],
    examplesOf: (id: ClientId) => number,
    privacy: RoundPrivacy | null,
    global: ClearModel,
  ): { message: RoundEncryptionMessage; aggregator: EncryptedSumAggregator } | { refused: string } | null {
    this.discard()
    const preset = this.custody.preset
    if (config.mode === 'off' || !this.he || keyId !== this.custody.keyId || !preset) return null
    const weighting = privacy ? 'unit' : 'examples'
    const maxWeight = privacy ? 1 : Math.max(1, ...selected.map(examplesOf))
    // Under DP the clipped update has L2 norm <= S, so each coordinate too; the noise share widens the range.
    const clamp = privacy ? privacy.clipNorm + 10 * privacy.noiseStd : config.clamp
    let fractionBits = 0
    const ctx = this.he.context(preset)
    if (config.mode === 'bfv') {
      const plainModulusHalf = bfvHalfModulus(ctx)
      try {
        fractionBits = planQuantization({
          plainModulusHalf,
          clients: Math.max(1, selected.length),
          maxWeight,
          clamp,
        }).fractionBits
      } catch (error) {
        // No fallback to fewer bits: a plan that does not fit can wrap the plain modulus and corrupt the sum.
        if (!(error instanceof HeError)) throw error
        const refused = `encrypted round refused: ${error.message}`
        this.note('error', refused)
        return { refused }
      }
    }
    const message: RoundEncryptionMessage = { keyId, preset, fractionBits, clamp, weighting, maxWeight }
    this.#history ??= new EncryptedHistory(global)
    const sum = new EncryptedAggregator(ctx, preset, keyId, this.parameters)
    this.#round = { aggregator: sum, message }
    return { message, aggregator: new EncryptedSumAggregator(sum) }
  }

  /** Checks and loads an upload of the open round (throws HeError with the reason). */
  load(keyId: string, ciphertexts: readonly Uint8Array[]): EncryptedVector {
    if (!this.#round) throw new Error('no encrypted round is open')
    return this.#round.aggregator.load(keyId, ciphertexts)
  }

  /** Drops the open round's sum (abandoned, or replaced by a new round). */
  discard(): void {
    this.#round?.aggregator.discard()
    this.#round = null
  }

  /** The round's encrypted sum, as the aggregate every key-holding tab decrypts; the history grows by it. */
  release(
    modelRound: number,
    previousVersion: string,
    participants: number,
    privacy: RoundPrivacy | null,
    closed: EncryptedSum,
  ): ClosedEncryptedRound {
    const round = this.#round!
    const history = this.#history!
    this.#round = null
    const { bytesIn } = closed
    const sum = [...closed.ciphertexts]
    const sumHash = ciphertextsHash(sum)
    const modelBefore = history.currentHash
    const message: EncryptedAggregateMessage = {
      round: modelRound,
      version: encryptedModelVersion(modelRound, sumHash),
      previousVersion,
      keyId: round.message.keyId,
      preset: round.message.preset,
      fractionBits: round.message.fractionBits,
      totalWeight: privacy ? privacy.denominator : closed.totalWeight,
      participants,
      length: this.parameters,
      ciphertexts: sum,
      sumHash,
    }
    history.push(message)
    const every = this.#checkpoints.every
    if (history.pending >= 5 * every && history.pending % every === 0) {
      // Memory grows with every round until a checkpoint is taken: say so where the operator looks.
      const mb = (history.pendingBytes / 1024 / 1024).toFixed(1)
      this.note(
        'warning',
        `no checkpoint was taken for ${history.pending} encrypted rounds: the coordinator holds ${mb} MB of aggregates and a late tab replays them all (see the checkpoint warnings above)`,
      )
    }
    return {
      message,
      modelBefore,
      modelAfter: sumHash,
      bytesIn,
      bytesOut: sum.reduce((n, c) => n + c.byteLength, 0),
    }
  }

  /** The last model in the clear: what the federation keeps as weights while the tabs hold the real model. */
  get base(): ClearModel | null {
    return this.#history?.base ?? null
  }

  /** What a joining tab needs under encryption: the last clear model and what it replays; null if none. */
  globalMessage(current: { round: number; version: string }): GlobalModelMessage | null {
    const history = this.#history
    if (!history || history.released === 0) return null
    return {
      round: current.round,
      version: current.version,
      weights: encodeFloat32(history.base.weights) as Binary,
      replay: history.info(),
    }
  }

  /** The next part of the replay for a tab catching up (`EncryptedHistory.chunk`). */
  replay(after: string | null): Result<ReplayChunk> {
    const history = this.#history
    if (!history || history.released === 0) {
      return fail('invalid-state', 'no encrypted round was aggregated: the model is sent in the clear')
    }
    return history.chunk(after, { ciphertexts: MAX_MESSAGE_ATTACHMENTS - 2, bytes: REPLAY_PART_BYTES })
  }

  /**
   * After a release: every `checkpointEvery` aggregates, one of the round's key-holding participants (in turn) is
   * asked to encrypt the model it now holds as a checkpoint.
   */
  askCheckpoint(participants: readonly ClientId[], now: number): void {
    const history = this.#history
    const latest = history && this.#latest
    if (!history || !latest || !this.#checkpoints.due(history.pending, now)) return
    const holders = participants.filter((id) => this.custody.holds(id) && !this.#distrusted.has(id))
    if (holders.length === 0) return
    const holder = holders[this.#askCursor++ % holders.length]!
    if (!this.#verifiable(holder)) return
    this.#checkpoints.ask({ ...latest, holder, at: now })
    this.send(holder, 'he:checkpoint-request', { ...latest, keyId: latest.keyId })
  }

  /**
   * A checkpoint from the holder asked: its ciphertexts are checked here, its content by other key holders, which
   * decrypt it and compare it with their own model (`checkpoint-collector.ts`).
   */
  offerCheckpoint(from: ClientId, upload: CheckpointUpload): Result<null> {
    const preset = this.custody.preset
    if (!this.he || !preset || upload.keyId !== this.custody.keyId) {
      return fail('stale-round', `key ${upload.keyId} is not this task's current key`)
    }
    if (!this.#history?.holds(upload.version)) {
      return fail('stale-round', `model ${upload.version} is not in the encrypted history`)
    }
    const ask = this.#checkpoints.asked
    if (ask?.holder !== from) return fail('invalid-state', `${from} was not asked for a checkpoint`)
    if (this.#checkpoints.offered) {
      return fail('invalid-state', `${from} already sent the checkpoint it was asked for`)
    }
    try {
      loadCiphertexts(
        this.he.context(preset),
        preset,
        upload.keyId,
        this.parameters,
        upload.ciphertexts.map(bytesOf),
      ).delete()
    } catch (error) {
      // The holder asked sent what is not a checkpoint of this model: the ask lapses, and it is not asked again.
      this.#checkpoints.leave(from)
      this.#distrusted.add(from)
      return fail('bad-payload', `checkpoint: ${error instanceof Error ? error.message : String(error)}`)
    }
    const verifiers = this.custody.holderIds().filter((id) => id !== from && !this.#distrusted.has(id))
    if (verifiers.length === 0 && this.custody.holders > 1) {
      this.#checkpoints.leave(from)
      return fail('invalid-state', `no other key holder is trusted to verify a checkpoint from ${from}`)
    }
    const offered = this.#checkpoints.offer(from, upload, verifiers)
    if (!offered.ok) return offered
    const message = { ...upload, preset, length: this.parameters }
    for (const id of verifiers.slice(0, CHECKPOINT_VERIFIERS)) this.send(id, 'he:checkpoint-verify', message)
    this.#settle()
    return ok(null)
  }

  /** A verifier's finding on the checkpoint it was sent. */
  checkpointVerdict(id: ClientId, report: CheckpointVerdictReport): Result<null> {
    const result = this.#checkpoints.verdict(id, report)
    if (result.ok) this.#settle()
    return result
  }

  leave(id: ClientId): void {
    this.custody.leave(id)
    this.#checkpoints.leave(id)
  }

  /** A reset starts from a new model in the clear under a fresh key (the old key's holders read nothing new). */
  reset(): void {
    this.discard()
    this.#history = null
    this.#checkpoints.clear()
    this.#distrusted.clear()
    this.custody.rekey()
  }

  /**
   * Whether another trusted key holder can verify a checkpoint from `holder`. The sole key holder is taken on its
   * word; one whose fellow holders are all distrusted is not: they hold the key too, and nobody vouches for it.
   */
  #verifiable(holder: ClientId): boolean {
    const ids = this.custody.holderIds()
    return ids.length <= 1 || ids.some((id) => id !== holder && !this.#distrusted.has(id))
  }

  get #latest(): { round: number; version: string; keyId: string } | null {
    const last = this.#history?.latestAggregate
    return last ? { round: last.round, version: last.version, keyId: last.keyId } : null
  }

  #settle(): void {
    const history = this.#history
    const verdict = this.#checkpoints.settle()
    if (!history || !verdict) return
    if (verdict.kind !== 'accept') {
      if (verdict.kind === 'reject') this.#distrusted.add(verdict.from)
      this.note(
        'warning',
        `checkpoint from ${verdict.from} ${verdict.kind === 'reject' ? 'refused' : 'not taken'}: ${verdict.reason}; another key holder will be asked`,
      )
      return
    }
    const { upload, from, verifiers } = verdict
    const compacted = history.compact({ ...upload, preset: this.custody.preset!, length: this.parameters })
    if (!compacted.ok) return
    this.note(
      'info',
      `checkpoint of round ${upload.round} from ${from}${verifiers.length ? `, verified by ${verifiers.join(' and ')}` : ' (the only key holder)'}: a late tab now replays it and ${history.pending} aggregate(s)`,
    )
  }

  /** A tab joined: its envelope key, signed by `account` (the key its hello proved), for key delivery. */
  join(id: ClientId, account: string, announced: AnnouncedKey = {}): void {
    const { envelopeKey, envelopeSignature: signature } = announced
    this.custody.join(id, envelopeKey, signature ? { account, signature } : undefined)
  }

  relay(from: ClientId, keyId: string, recipient: ClientId, envelope: KeyEnvelopeMessage): Result<null> {
    return this.custody.relay(from, keyId, recipient, envelope)
  }

  snapshot(mode: EncryptionConfig['mode']): DashboardSnapshot['encryption'] {
    return {
      mode,
      preset: this.custody.preset,
      keyId: this.custody.keyId,
      holders: this.custody.holders,
      encryptedRounds: this.count,
      checkpointRound: this.#history?.checkpoint?.round ?? null,
      replayAggregates: this.#history?.pending ?? 0,
      modelInClear: this.modelInClear,
    }
  }
}
