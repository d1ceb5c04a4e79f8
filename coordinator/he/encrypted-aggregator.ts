import type { HeContext } from '../../shared/he/context'
import { HeError } from '../../shared/he/errors'
import { ciphertextByteBound, ciphertextCount } from '../../shared/he/limits'
import type { HePresetName } from '../../shared/he/parameters'
import { addInPlace, type EncryptedVector } from '../../shared/he/vector'
import { deserializeVector, serializeVector } from '../../shared/he/wire'

/**
 * A round's encrypted sum, built as updates arrive: each upload is loaded, added into the running sum and freed, so
 * the coordinator holds one vector of ciphertexts per round whatever the number of clients. It never decrypts: it
 * holds no key.
 */
export class EncryptedAggregator {
  #sum: EncryptedVector | null = null
  #count = 0
  #bytesIn = 0

  constructor(
    private readonly ctx: HeContext,
    readonly preset: HePresetName,
    readonly keyId: string,
    readonly length: number,
  ) {}

  get count(): number {
    return this.#count
  }

  /** Bytes of ciphertext received this round. */
  get bytesIn(): number {
    return this.#bytesIn
  }

  /**
   * Checks and loads one upload (count, size, SEAL's own validity check for this context) without adding it:
   * a bad upload is refused before the round counts it.
   */
  load(keyId: string, ciphertexts: readonly Uint8Array[]): EncryptedVector {
    if (keyId !== this.keyId)
      throw new HeError('key-mismatch', `encrypted under key ${keyId}; this round uses ${this.keyId}`)
    const vector = loadCiphertexts(this.ctx, this.preset, keyId, this.length, ciphertexts)
    this.#bytesIn += ciphertexts.reduce((n, c) => n + c.byteLength, 0)
    return vector
  }

  /** Adds a loaded upload into the sum and frees it. */
  add(vector: EncryptedVector): void {
    this.#count++
    if (!this.#sum) {
      this.#sum = vector
      return
    }
    try {
      addInPlace(this.ctx, this.#sum, vector)
    } finally {
      vector.delete()
    }
  }

  /** The sum as bytes; the aggregator is done. */
  finish(): Uint8Array[] {
    if (!this.#sum) throw new HeError('invalid-parameters', 'no encrypted update was added this round')
    try {
      return [...serializeVector(this.ctx, this.#sum).ciphertexts]
    } finally {
      this.discard()
    }
  }

  discard(): void {
    this.#sum?.delete()
    this.#sum = null
  }
}

/**
 * The checks made before SEAL sees an upload: `length` values take exactly ciphertextCount(preset, length)
 * ciphertexts, none over the preset's byte bound. Throws HeError('bad-ciphertext') with the reason.
 */
export function checkUploadShape(
  preset: HePresetName,
  length: number,
  ciphertexts: readonly Uint8Array[],
): void {
  const expected = ciphertextCount(preset, length)
  if (ciphertexts.length !== expected) {
    throw new HeError(
      'bad-ciphertext',
      `${length} parameters take ${expected} ciphertexts, got ${ciphertexts.length}`,
    )
  }
  const bound = ciphertextByteBound(preset)
  ciphertexts.forEach((c, i) => {
    if (c.byteLength > bound)
      throw new HeError('bad-ciphertext', `ciphertext ${i} is ${c.byteLength} bytes, over ${bound}`)
  })
}

/**
 * Checks and loads `length` values' ciphertexts under `preset` (count, size, then SEAL's own validity check for this
 * context, `deserializeVector`); throws HeError with the reason. The caller frees the vector.
 */
export function loadCiphertexts(
  ctx: HeContext,
  preset: HePresetName,
  keyId: string,
  length: number,
  ciphertexts: readonly Uint8Array[],
): EncryptedVector {
  checkUploadShape(preset, length, ciphertexts)
  return deserializeVector(ctx, { contextId: ctx.id, keyId, length, ciphertexts })
}
