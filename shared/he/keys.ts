import type { GaloisKeys, PublicKey, RelinKeys, SecretKey } from 'node-seal'
import { KEY_ID_BYTES, randomHexId } from '../ids'
import type { HeContext } from './context'
import { HeError } from './errors'
import { inflateForLoad, saveZstd } from './native-zstd'
import { sealCall } from './seal'

/**
 * Keys of one key pair, tagged with a random `keyId` so a ciphertext under one key set is never decrypted with
 * another (SEAL would return garbage, not an error). A key set without `secretKey` is what an evaluator holds.
 */
export interface HeKeySet {
  readonly keyId: string
  readonly contextId: string
  readonly secretKey: SecretKey | null
  readonly publicKey: PublicKey | null
  readonly relinKeys: RelinKeys | null
  readonly galoisKeys: GaloisKeys | null
}

export interface KeyOptions {
  /** Needed to multiply two ciphertexts. */
  readonly relin?: boolean
  /** Rotation steps to make Galois keys for (each key is about one relinearization key in size). */
  readonly galoisSteps?: readonly number[]
}

/** A fresh secret key, its public key, and the evaluation keys asked for. */
export function generateKeys(ctx: HeContext, options: KeyOptions = {}): HeKeySet {
  ctx.check(ctx.id, 'key generation')
  const generator = new ctx.seal.KeyGenerator(ctx.context)
  try {
    const steps = options.galoisSteps ?? []
    for (const s of steps) {
      if (!Number.isInteger(s) || s === 0 || Math.abs(s) >= ctx.slots) {
        throw new HeError(
          'invalid-parameters',
          `Galois step ${s} must be a non-zero integer below ${ctx.slots}`,
        )
      }
    }
    return {
      keyId: randomHexId(KEY_ID_BYTES),
      contextId: ctx.id,
      secretKey: generator.secretKey(),
      publicKey: generator.createPublicKey(),
      relinKeys: options.relin ? generator.createRelinKeys() : null,
      galoisKeys: steps.length
        ? sealCall(ctx.seal, 'Galois key generation', () =>
            generator.createGaloisKeysWithSteps(Int32Array.from(steps)),
          )
        : null,
    }
  } finally {
    generator.delete()
  }
}

/** Serialized keys (zstd-compressed SEAL format). Which ones are present says what the holder can do. */
export interface KeyBytes {
  readonly keyId: string
  readonly contextId: string
  readonly secretKey?: Uint8Array
  readonly publicKey?: Uint8Array
  readonly relinKeys?: Uint8Array
  readonly galoisKeys?: Uint8Array
}

export type KeyPart = 'secretKey' | 'publicKey' | 'relinKeys' | 'galoisKeys'

/** The named parts of a key set, as bytes. Ask only for what the receiver needs: an evaluator never gets `secretKey`. */
export function exportKeys(ctx: HeContext, keys: HeKeySet, parts: readonly KeyPart[]): KeyBytes {
  ctx.check(keys.contextId, `key set ${keys.keyId}`)
  const out: { -readonly [K in keyof KeyBytes]: KeyBytes[K] } = {
    keyId: keys.keyId,
    contextId: keys.contextId,
  }
  for (const part of parts) {
    const key = keys[part]
    if (!key) throw new HeError('missing-key', `key set ${keys.keyId} has no ${part} to export`)
    out[part] = saveZstd(key, ctx.seal.ComprModeType)
  }
  return out
}

/** Loads serialized keys into `ctx`; bytes from another context or corrupted bytes get a clear error. */
export function importKeys(ctx: HeContext, bytes: KeyBytes): HeKeySet {
  ctx.check(bytes.contextId, `key set ${bytes.keyId}`)
  const { seal } = ctx
  const load = <T extends { loadFromArray(c: typeof ctx.context, b: Uint8Array): void; delete(): void }>(
    make: () => T,
    data: Uint8Array | undefined,
    part: KeyPart,
  ): T | null => {
    if (!data) return null
    const key = make()
    try {
      const what = `loading ${part} of key set ${bytes.keyId}`
      // Key material looks random: zstd saves about 17% on it, so 4x the compressed size is far more than any key.
      const inflated = inflateForLoad(data, 4 * data.byteLength + 64 * 1024, what, 'key-mismatch')
      sealCall(seal, what, () => key.loadFromArray(ctx.context, inflated), 'key-mismatch')
      return key
    } catch (error) {
      key.delete()
      throw error
    }
  }
  return {
    keyId: bytes.keyId,
    contextId: bytes.contextId,
    secretKey: load(() => new seal.SecretKey(), bytes.secretKey, 'secretKey'),
    publicKey: load(() => new seal.PublicKey(), bytes.publicKey, 'publicKey'),
    relinKeys: load(() => new seal.RelinKeys(), bytes.relinKeys, 'relinKeys'),
    galoisKeys: load(() => new seal.GaloisKeys(), bytes.galoisKeys, 'galoisKeys'),
  }
}

export function deleteKeys(keys: HeKeySet): void {
  keys.secretKey?.delete()
  keys.publicKey?.delete()
  keys.relinKeys?.delete()
  keys.galoisKeys?.delete()
}
