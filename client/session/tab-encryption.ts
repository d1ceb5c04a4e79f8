import { bytesOf } from '../../shared/codec'
import { checkpointWords, weightsFromWords } from '../../shared/he/checkpoint'
import { releaseCkksDecryption } from '../../shared/he/ckks-release'
import { HeContextCache } from '../../shared/he/context-cache'
import {
  createEnvelopeKeyPair,
  type EnvelopeKeyPair,
  openEnvelope,
  sealEnvelope,
} from '../../shared/he/key-envelope'
import { deleteKeys, exportKeys, generateKeys, type HeKeySet, importKeys } from '../../shared/he/keys'
import type { HePresetName } from '../../shared/he/parameters'
import { dequantizeAverage, quantizeUpdate } from '../../shared/he/quantize'
import { loadSeal } from '../../shared/he/seal'
import { decryptVector, encryptVectorToBytes } from '../../shared/he/vector'
import { deserializeVector } from '../../shared/he/wire'
import type {
  EncryptedAggregateMessage,
  EncryptedCheckpointMessage,
  KeyEnvelopeMessage,
  RoundEncryptionMessage,
} from '../../shared/protocol'
import { EnvelopeKeySet } from './envelope-key-set'

/** What it cost this tab to take part in an encrypted round. */
export interface EncryptionCost {
  readonly encryptMs: number
  readonly decryptMs: number
  readonly bytesUp: number
  readonly bytesDown: number
}

/** The additional data an envelope is bound to: a sealed key opens only for this task, key and recipient. */
const envelopeContext = (taskId: string, keyId: string, recipient: string): string =>
  `privx/${taskId}/${keyId}/${recipient}`

/**
 * A tab's side of encrypted aggregation: it holds the task's secret key (generated here or received sealed from
 * another tab), encrypts its quantized update, and decrypts each round's encrypted sum into the average update.
 * The key never leaves the tab except sealed to another tab's envelope key. SEAL loads on first use.
 */
export class TabEncryption {
  #cache: HeContextCache | null = null
  #keys: { set: HeKeySet; preset: HePresetName } | null = null
  /** The task's signed envelope keys as this tab was shown them: the only keys it seals to or opens from. */
  readonly keySet: EnvelopeKeySet

  private constructor(
    readonly taskId: string,
    private readonly envelope: EnvelopeKeyPair,
  ) {
    this.keySet = new EnvelopeKeySet(taskId)
  }

  static async create(taskId: string): Promise<TabEncryption> {
    return new TabEncryption(taskId, await createEnvelopeKeyPair())
  }

  /** The public half of the envelope key pair, announced in hello. */
  get envelopeKey(): Uint8Array {
    return this.envelope.publicKey
  }

  get keyId(): string | null {
    return this.#keys?.set.keyId ?? null
  }

  get preset(): HePresetName | null {
    return this.#keys?.preset ?? null
  }

  async #context(preset: HePresetName) {
    this.#cache ??= new HeContextCache(await loadSeal())
    return this.#cache.context(preset)
  }

  async generate(keyId: string, preset: HePresetName): Promise<void> {
    const ctx = await this.#context(preset)
    this.#replace({ set: { ...generateKeys(ctx), keyId }, preset })
  }

  /** The tab's own serialized secret key (what `share` seals). Never sent in the clear. */
  async secretKeyBytes(keyId: string): Promise<Uint8Array> {
    const held = this.#held(keyId)
    const ctx = await this.#context(held.preset)
    return exportKeys(ctx, held.set, ['secretKey']).secretKey!
  }

  /**
   * The secret key sealed for `recipient` (its envelope key), for the coordinator to relay unopened. Throws, sealing
   * nothing, unless `recipientAccount` signed `recipientKey` and that pair is in the task's key set (`keySet`).
   */
  async share(
    keyId: string,
    recipient: string,
    recipientKey: Uint8Array,
    recipientAccount?: string,
  ): Promise<KeyEnvelopeMessage> {
    const refused = this.keySet.recipientProblem(recipientAccount, recipientKey)
    if (refused) throw new Error(`not sealed: ${refused}`)
    const secret = await this.secretKeyBytes(keyId)
    const sealed = await sealEnvelope(
      this.envelope,
      recipientKey,
      secret,
      envelopeContext(this.taskId, keyId, recipient),
    )
    secret.fill(0)
    return {
      senderPublicKey: sealed.senderPublicKey.slice().buffer,
      iv: sealed.iv.slice().buffer,
      ciphertext: sealed.ciphertext.slice().buffer,
    }
  }

  /** Opens a relayed envelope addressed to this tab (`self` is its client id). */
  async receive(
    keyId: string,
    preset: HePresetName,
    envelope: KeyEnvelopeMessage,
    self: string,
  ): Promise<void> {
    const refused = this.keySet.senderProblem(bytesOf(envelope.senderPublicKey))
    if (refused) throw new Error(`not opened: ${refused}`)
    const secret = await openEnvelope(
      this.envelope,
      {
        senderPublicKey: bytesOf(envelope.senderPublicKey),
        iv: bytesOf(envelope.iv),
        ciphertext: bytesOf(envelope.ciphertext),
      },
      envelopeContext(this.taskId, keyId, self),
    )
    const ctx = await this.#context(preset)
    this.#replace({ set: importKeys(ctx, { keyId, contextId: ctx.id, secretKey: secret }), preset })
    secret.fill(0)
  }

  /**
   * The update as ciphertexts: BFV quantizes weight * clamp(delta) to integers with the round's fraction bits;
   * CKKS encodes weight * clamp(delta) as reals. Weight is the example count (FedAvg) or 1 (DP rounds).
   */
  async encryptUpdate(
    round: RoundEncryptionMessage,
    delta: Float32Array,
    examples: number,
  ): Promise<{ ciphertexts: Uint8Array[]; clamped: number; ms: number }> {
    const held = this.#held(round.keyId)
    const ctx = await this.#context(round.preset)
    const started = performance.now()
    // The round's cap on what a declared count weighs (the coordinator weighs the sum by the same capped counts).
    const weight = round.weighting === 'examples' ? Math.min(examples, round.maxWeight) : 1
    const plan = {
      fractionBits: round.fractionBits,
      clamp: round.clamp,
      maxWeight: round.maxWeight,
      clients: 1,
    }
    let values: Float64Array
    let clamped = 0
    if (ctx.params.scheme === 'bfv') {
      ;({ integers: values, clamped } = quantizeUpdate(delta, weight, plan))
    } else {
      // CKKS encodes reals: the same clamp and weight, no rounding.
      values = Float64Array.from(delta, (v) => {
        if (Math.abs(v) > round.clamp) clamped++
        return weight * Math.max(-round.clamp, Math.min(round.clamp, v))
      })
    }
    const ciphertexts = encryptVectorToBytes(ctx, held.set, values)
    return { ciphertexts, clamped, ms: performance.now() - started }
  }

  /** The round's average update from its encrypted sum. */
  async decryptAverage(aggregate: EncryptedAggregateMessage): Promise<{ average: Float32Array; ms: number }> {
    const held = this.#held(aggregate.keyId)
    const ctx = await this.#context(aggregate.preset)
    const started = performance.now()
    const sum = deserializeVector(ctx, {
      contextId: ctx.id,
      keyId: aggregate.keyId,
      length: aggregate.length,
      ciphertexts: aggregate.ciphertexts.map(bytesOf),
    })
    try {
      const decrypted = decryptVector(ctx, held.set, sum)
      const average =
        ctx.params.scheme === 'bfv'
          ? dequantizeAverage(decrypted, aggregate.totalWeight, aggregate)
          : Float32Array.from(
              // Flooded for the error of a sum of `participants` ciphertexts (ckks-release.ts).
              releaseCkksDecryption(decrypted, aggregate.participants),
              (v) => v / aggregate.totalWeight,
            )
      return { average, ms: performance.now() - started }
    } finally {
      sum.delete()
    }
  }

  /** The model's weights as a checkpoint under the task's key (`he/checkpoint.ts`: exact, word by word). */
  async encryptCheckpoint(keyId: string, weights: Float32Array): Promise<Uint8Array[]> {
    const held = this.#held(keyId)
    const ctx = await this.#context(held.preset)
    return encryptVectorToBytes(ctx, held.set, checkpointWords(weights))
  }

  /**
   * The weights a checkpoint holds. Under CKKS the decryption is rounded to whole words before use, so nothing of its
   * approximation error (what Li and Micciancio's attack reads) survives into the weights.
   */
  async decryptCheckpoint(checkpoint: EncryptedCheckpointMessage): Promise<Float32Array> {
    const held = this.#held(checkpoint.keyId)
    const ctx = await this.#context(checkpoint.preset)
    const vector = deserializeVector(ctx, {
      contextId: ctx.id,
      keyId: checkpoint.keyId,
      length: checkpoint.length,
      ciphertexts: checkpoint.ciphertexts.map(bytesOf),
    })
    try {
      return weightsFromWords(decryptVector(ctx, held.set, vector))
    } finally {
      vector.delete()
    }
  }

  #held(keyId: string): { set: HeKeySet; preset: HePresetName } {
    if (!this.#keys || this.#keys.set.keyId !== keyId) {
      throw new Error(
        `this tab does not hold encryption key ${keyId}${this.#keys ? ` (it holds ${this.#keys.set.keyId})` : ''}`,
      )
    }
    return this.#keys
  }

  #replace(keys: { set: HeKeySet; preset: HePresetName }): void {
    if (this.#keys) deleteKeys(this.#keys.set)
    this.#keys = keys
  }

  dispose(): void {
    if (this.#keys) deleteKeys(this.#keys.set)
    this.#keys = null
    this.#cache?.delete()
    this.#cache = null
  }
}
