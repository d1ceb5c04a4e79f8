import { bytesToHex } from '@noble/hashes/utils.js'
import type { Ciphertext } from 'node-seal'
import { sha256Parts } from '../crypto/sha256'
import type { HeContext } from './context'
import { HeError } from './errors'
import { inflateForLoad, saveZstd } from './native-zstd'
import { sealCall } from './seal'
import { EncryptedVector } from './vector'

/** An encrypted vector as it travels: SEAL's own ciphertext format (zstd), tagged with context and key. */
export interface EncryptedVectorBytes {
  readonly contextId: string
  readonly keyId: string
  readonly length: number
  readonly ciphertexts: readonly Uint8Array[]
}

export function serializeVector(ctx: HeContext, vector: EncryptedVector): EncryptedVectorBytes {
  ctx.check(vector.contextId, 'serialization')
  return {
    contextId: vector.contextId,
    keyId: vector.keyId,
    length: vector.length,
    ciphertexts: vector.ciphertexts.map((c) => saveZstd(c, ctx.seal.ComprModeType)),
  }
}

/** Ciphertexts a vector of `length` values takes in `ctx`. */
export function ciphertextsFor(ctx: HeContext, length: number): number {
  return Math.max(1, Math.ceil(length / ctx.slots))
}

/**
 * Bytes of the largest ciphertext of `ctx` once inflated: two polynomials over every prime of the chain, 8 bytes a
 * coefficient, plus SEAL's headers. A zstd stream that inflates to more is no ciphertext of this context.
 */
export function inflatedCiphertextBound(ctx: HeContext): number {
  return 2 * ctx.params.polyModulusDegree * ctx.params.coeffModulusBits.length * 8 + 1024
}

/**
 * Step one of loading ciphertext `index`: its zstd stream inflated natively where the runtime can (`native-zstd.ts`),
 * bounded by `inflatedCiphertextBound`; HeError('bad-ciphertext') when broken or too large.
 */
export function inflateCiphertext(ctx: HeContext, data: Uint8Array, index: number): Uint8Array {
  return inflateForLoad(data, inflatedCiphertextBound(ctx), `loading ciphertext ${index}`)
}

/**
 * Step two: SEAL loads the bytes into `into`, expanding a seeded ciphertext's random half from its seed, and runs its
 * own validity check for this context (every coefficient below its prime, the parameters this context's). Bytes that
 * are not such a ciphertext get HeError('bad-ciphertext') with SEAL's reason.
 */
export function loadInflated(ctx: HeContext, bytes: Uint8Array, index: number, into: Ciphertext): void {
  sealCall(
    ctx.seal,
    `loading ciphertext ${index}`,
    () => into.loadFromArray(ctx.context, bytes),
    'bad-ciphertext',
  )
}

/**
 * Loads a vector from bytes. The count must match the length; bytes that are not a ciphertext of this context
 * (another context's, truncated, corrupted) get HeError('bad-ciphertext') naming which one.
 */
export function deserializeVector(ctx: HeContext, bytes: EncryptedVectorBytes): EncryptedVector {
  ctx.check(bytes.contextId, 'ciphertext')
  const expected = ciphertextsFor(ctx, bytes.length)
  if (!Number.isInteger(bytes.length) || bytes.length < 1) {
    throw new HeError('bad-ciphertext', `vector length ${bytes.length} must be a positive integer`)
  }
  if (bytes.ciphertexts.length !== expected) {
    throw new HeError(
      'bad-ciphertext',
      `a vector of ${bytes.length} values takes ${expected} ciphertexts here, got ${bytes.ciphertexts.length}`,
    )
  }
  const loaded: Ciphertext[] = []
  try {
    for (const [i, data] of bytes.ciphertexts.entries()) {
      const inflated = inflateCiphertext(ctx, data, i)
      const cipher = new ctx.seal.Ciphertext()
      loaded.push(cipher)
      loadInflated(ctx, inflated, i, cipher)
    }
  } catch (error) {
    for (const c of loaded) c.delete()
    throw error
  }
  return new EncryptedVector(ctx.id, bytes.keyId, bytes.length, loaded)
}

/** SHA-256 over ciphertexts in order, hex: what an encrypted update is signed and recorded by. */
export function ciphertextsHash(ciphertexts: readonly Uint8Array[]): string {
  return bytesToHex(sha256Parts(ciphertexts))
}

/** The version of a model reached by an encrypted aggregate: e.g. "r3-he1f2e3d4c5b": round 3, the sum's hash. */
export function encryptedModelVersion(round: number, sumHash: string): string {
  return `r${round}-he${sumHash.slice(0, 10)}`
}
