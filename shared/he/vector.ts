import type { Ciphertext, Encryptor, Plaintext } from 'node-seal'
import type { HeContext } from './context'
import { HeError } from './errors'
import type { HeKeySet } from './keys'
import { saveZstd } from './native-zstd'
import { sealCall } from './seal'

/**
 * A vector of any length, encrypted as consecutive ciphertexts of `ctx.slots` values each. It remembers its context
 * and key so that operations across contexts or keys fail with a reason. Owns WASM memory: `delete()` it.
 */
export class EncryptedVector {
  #deleted = false
  constructor(
    readonly contextId: string,
    readonly keyId: string,
    readonly length: number,
    readonly ciphertexts: readonly Ciphertext[],
  ) {}

  get deleted(): boolean {
    return this.#deleted
  }

  delete(): void {
    if (this.#deleted) return
    this.#deleted = true
    for (const c of this.ciphertexts) c.delete()
  }
}

function checkVector(ctx: HeContext, v: EncryptedVector, what: string): void {
  if (v.deleted) throw new HeError('deleted', `${what}: the encrypted vector was deleted`)
  ctx.check(v.contextId, what)
}

function checkSameKey(a: EncryptedVector, b: EncryptedVector, what: string): void {
  if (a.keyId !== b.keyId) {
    throw new HeError(
      'key-mismatch',
      `${what}: operands are under different keys (${a.keyId} and ${b.keyId})`,
    )
  }
  if (a.length !== b.length)
    throw new HeError('too-long', `${what}: lengths ${a.length} and ${b.length} differ`)
}

/** Half the plain modulus: BFV values must lie strictly inside (-t/2, t/2). */
export function bfvHalfModulus(ctx: HeContext): number {
  const t = ctx.context.firstContextData().parms().plainModulus().value()
  return Number(t / 2n)
}

/** Encodes `values[offset, offset + slots)` into a plaintext (zero-padded). */
function encodeChunk(ctx: HeContext, values: ArrayLike<number>, offset: number, scale: number): Plaintext {
  const count = Math.min(ctx.slots, values.length - offset)
  const plain = new ctx.seal.Plaintext()
  if (ctx.batchEncoder) {
    const half = bfvHalfModulus(ctx)
    const chunk = new BigInt64Array(ctx.slots)
    for (let i = 0; i < count; i++) {
      const v = values[offset + i]!
      if (!Number.isSafeInteger(v) || Math.abs(v) >= half) {
        plain.delete()
        throw new HeError(
          'out-of-range',
          `value ${v} at index ${offset + i} is not an integer inside the BFV plain range (-${half}, ${half})`,
        )
      }
      chunk[i] = BigInt(v)
    }
    ctx.batchEncoder.encode(chunk, plain)
  } else {
    const chunk = new Float64Array(ctx.slots)
    for (let i = 0; i < count; i++) {
      const v = values[offset + i]!
      if (!Number.isFinite(v)) {
        plain.delete()
        throw new HeError('out-of-range', `value ${v} at index ${offset + i} is not finite`)
      }
      chunk[i] = v
    }
    sealCall(ctx.seal, 'CKKS encoding', () => ctx.ckksEncoder!.encode(chunk, scale, plain))
  }
  return plain
}

function chunks(ctx: HeContext, length: number): number {
  return Math.max(1, Math.ceil(length / ctx.slots))
}

/** An encryptor with the public key and, when held, the secret key (SEAL's encryptor always wants a public key). */
function encryptorFor(ctx: HeContext, keys: HeKeySet): Encryptor {
  if (keys.publicKey) {
    return keys.secretKey
      ? new ctx.seal.Encryptor(ctx.context, keys.publicKey, keys.secretKey)
      : new ctx.seal.Encryptor(ctx.context, keys.publicKey)
  }
  const generator = new ctx.seal.KeyGenerator(ctx.context, keys.secretKey!)
  const publicKey = generator.createPublicKey()
  try {
    return new ctx.seal.Encryptor(ctx.context, publicKey, keys.secretKey!)
  } finally {
    publicKey.delete()
    generator.delete()
  }
}

/**
 * Encrypts any number of values (BFV: safe integers inside the plain range; CKKS: finite reals), split across
 * ceil(length / slots) ciphertexts. Uses the public key when the set has one, else the secret key (symmetric).
 */
export function encryptVector(ctx: HeContext, keys: HeKeySet, values: ArrayLike<number>): EncryptedVector {
  ctx.check(keys.contextId, `key set ${keys.keyId}`)
  if (!keys.publicKey && !keys.secretKey)
    throw new HeError('missing-key', `key set ${keys.keyId} cannot encrypt`)
  const encryptor = encryptorFor(ctx, keys)
  const out: Ciphertext[] = []
  try {
    for (let c = 0; c < chunks(ctx, values.length); c++) {
      const plain = encodeChunk(ctx, values, c * ctx.slots, ctx.scale)
      const cipher = new ctx.seal.Ciphertext()
      out.push(cipher)
      try {
        if (keys.publicKey) encryptor.encrypt(plain, cipher)
        else encryptor.encryptSymmetric(plain, cipher)
      } finally {
        plain.delete()
      }
    }
  } catch (error) {
    for (const c of out) c.delete()
    throw error
  } finally {
    encryptor.delete()
  }
  return new EncryptedVector(ctx.id, keys.keyId, values.length, out)
}

/**
 * Encrypts with the secret key straight to bytes (seeded symmetric ciphertexts: about half the size of public-key
 * ones). What a key-holding tab uploads.
 */
export function encryptVectorToBytes(
  ctx: HeContext,
  keys: HeKeySet,
  values: ArrayLike<number>,
): Uint8Array[] {
  ctx.check(keys.contextId, `key set ${keys.keyId}`)
  if (!keys.secretKey) throw new HeError('missing-key', `key set ${keys.keyId} has no secret key`)
  const encryptor = encryptorFor(ctx, keys)
  try {
    return Array.from({ length: chunks(ctx, values.length) }, (_, c) => {
      const plain = encodeChunk(ctx, values, c * ctx.slots, ctx.scale)
      try {
        const serializable = encryptor.encryptSymmetricSerializable(plain)
        try {
          return saveZstd(serializable, ctx.seal.ComprModeType)
        } finally {
          serializable.delete()
        }
      } finally {
        plain.delete()
      }
    })
  } finally {
    encryptor.delete()
  }
}

/** Decrypts to `length` values (BFV: exact integers, centred; CKKS: approximate reals). */
export function decryptVector(ctx: HeContext, keys: HeKeySet, vector: EncryptedVector): Float64Array {
  checkVector(ctx, vector, 'decryption')
  if (!keys.secretKey)
    throw new HeError('missing-key', `key set ${keys.keyId} has no secret key: it cannot decrypt`)
  if (keys.keyId !== vector.keyId) {
    throw new HeError('key-mismatch', `the vector is encrypted under key ${vector.keyId}, not ${keys.keyId}`)
  }
  const decryptor = new ctx.seal.Decryptor(ctx.context, keys.secretKey)
  const out = new Float64Array(vector.length)
  try {
    vector.ciphertexts.forEach((cipher, c) => {
      const plain = new ctx.seal.Plaintext()
      try {
        sealCall(ctx.seal, 'decryption', () => decryptor.decrypt(cipher, plain))
        const decoded: ArrayLike<number | bigint> = ctx.batchEncoder
          ? (ctx.batchEncoder.decodeBigInt64(plain) as BigInt64Array)
          : (ctx.ckksEncoder!.decodeFloat64(plain) as Float64Array)
        const offset = c * ctx.slots
        const count = Math.min(ctx.slots, vector.length - offset)
        for (let i = 0; i < count; i++) out[offset + i] = Number(decoded[i]!)
      } finally {
        plain.delete()
      }
    })
  } finally {
    decryptor.delete()
  }
  return out
}

/** Remaining BFV noise budget in bits of the weakest ciphertext (0: decryption would be wrong). */
export function noiseBudget(ctx: HeContext, keys: HeKeySet, vector: EncryptedVector): number {
  checkVector(ctx, vector, 'noise budget')
  if (!ctx.batchEncoder || !keys.secretKey) return Number.NaN
  const decryptor = new ctx.seal.Decryptor(ctx.context, keys.secretKey)
  try {
    return Math.min(...vector.ciphertexts.map((c) => decryptor.invariantNoiseBudget(c)))
  } finally {
    decryptor.delete()
  }
}

/** Element-wise sum. CKKS operands at different levels are brought to the lower one first. */
export function addVectors(ctx: HeContext, a: EncryptedVector, b: EncryptedVector): EncryptedVector {
  checkVector(ctx, a, 'addition')
  checkVector(ctx, b, 'addition')
  checkSameKey(a, b, 'addition')
  const out = a.ciphertexts.map((x, i) => {
    const y = b.ciphertexts[i]!
    const sum = new ctx.seal.Ciphertext()
    const [left, right] = alignLevels(ctx, x, y)
    try {
      sealCall(ctx.seal, 'addition', () => ctx.evaluator.add(left, right, sum))
    } finally {
      if (left !== x) left.delete()
      if (right !== y) right.delete()
    }
    return sum
  })
  return new EncryptedVector(ctx.id, a.keyId, a.length, out)
}

/** Adds `b` into `a` in place (the streaming aggregation step: no new allocation per update). */
export function addInPlace(ctx: HeContext, a: EncryptedVector, b: EncryptedVector): void {
  checkVector(ctx, a, 'addition')
  checkVector(ctx, b, 'addition')
  checkSameKey(a, b, 'addition')
  a.ciphertexts.forEach((x, i) => {
    sealCall(ctx.seal, 'addition', () => ctx.evaluator.addInplace(x, b.ciphertexts[i]!))
  })
}

/**
 * CKKS: copies of `x` and `y` at the same level and the same scale. After a rescale the scale is 2^(2s)/q_i, close
 * to but not exactly 2^s; the lower-level operand's scale is taken (relative error about 2N / 2^s).
 */
export function alignLevels(ctx: HeContext, x: Ciphertext, y: Ciphertext): [Ciphertext, Ciphertext] {
  if (!ctx.ckksEncoder) return [x, y]
  const level = (c: Ciphertext) => ctx.context.getContextData(c.parmsId()).chainIndex()
  let left = x
  let right = y
  if (level(x) > level(y)) {
    left = new ctx.seal.Ciphertext()
    ctx.evaluator.cipherModSwitchTo(x, y.parmsId(), left)
  } else if (level(y) > level(x)) {
    right = new ctx.seal.Ciphertext()
    ctx.evaluator.cipherModSwitchTo(y, x.parmsId(), right)
  }
  if (left.scale() !== right.scale()) {
    if (left === x) left = x.copy()
    left.setScale(right.scale())
  }
  return [left, right]
}

/**
 * Element-wise product of two encrypted vectors: relinearized (needs relinearization keys) and, for CKKS, rescaled
 * (one level of depth used).
 */
export function multiplyVectors(
  ctx: HeContext,
  a: EncryptedVector,
  b: EncryptedVector,
  keys: HeKeySet,
): EncryptedVector {
  checkVector(ctx, a, 'multiplication')
  checkVector(ctx, b, 'multiplication')
  checkSameKey(a, b, 'multiplication')
  if (!keys.relinKeys)
    throw new HeError('missing-key', `multiplication needs relinearization keys (key set ${keys.keyId})`)
  if (keys.keyId !== a.keyId)
    throw new HeError('key-mismatch', `relinearization keys ${keys.keyId} do not match ${a.keyId}`)
  const out = a.ciphertexts.map((x, i) => {
    const [left, right] = alignLevels(ctx, x, b.ciphertexts[i]!)
    const product = new ctx.seal.Ciphertext()
    try {
      sealCall(ctx.seal, 'multiplication', () => {
        ctx.evaluator.multiply(left, right, product)
        ctx.evaluator.relinearizeInplace(product, keys.relinKeys!)
        if (ctx.ckksEncoder) ctx.evaluator.rescaleToNextInplace(product)
      })
    } catch (error) {
      product.delete()
      throw error
    } finally {
      if (left !== x) left.delete()
      if (right !== b.ciphertexts[i]) right.delete()
    }
    return product
  })
  return new EncryptedVector(ctx.id, a.keyId, a.length, out)
}

/** A plaintext at the ciphertext's level (CKKS: at `scale`), for plain operations on it. */
export function plainFor(
  ctx: HeContext,
  cipher: Ciphertext,
  values: ArrayLike<number>,
  offset: number,
  scale: number,
): Plaintext {
  const plain = encodeChunk(ctx, values, offset, scale)
  if (ctx.ckksEncoder) {
    sealCall(ctx.seal, 'level switch', () => ctx.evaluator.plainModSwitchToInplace(plain, cipher.parmsId()))
  }
  return plain
}

/** Element-wise product with plain values (CKKS: rescaled, one level used). No keys needed. */
export function multiplyPlain(
  ctx: HeContext,
  a: EncryptedVector,
  values: ArrayLike<number>,
): EncryptedVector {
  checkVector(ctx, a, 'plain multiplication')
  if (values.length !== a.length) {
    throw new HeError('too-long', `plain multiplication: ${values.length} values for a vector of ${a.length}`)
  }
  const out = a.ciphertexts.map((x, c) => {
    const plain = plainFor(ctx, x, values, c * ctx.slots, ctx.scale)
    const product = new ctx.seal.Ciphertext()
    try {
      sealCall(ctx.seal, 'plain multiplication', () => {
        ctx.evaluator.multiplyPlain(x, plain, product)
        if (ctx.ckksEncoder) ctx.evaluator.rescaleToNextInplace(product)
      })
    } catch (error) {
      product.delete()
      throw error
    } finally {
      plain.delete()
    }
    return product
  })
  return new EncryptedVector(ctx.id, a.keyId, a.length, out)
}

/** Adds plain values (at the ciphertext's own scale and level). */
export function addPlain(ctx: HeContext, a: EncryptedVector, values: ArrayLike<number>): EncryptedVector {
  checkVector(ctx, a, 'plain addition')
  if (values.length !== a.length) {
    throw new HeError('too-long', `plain addition: ${values.length} values for a vector of ${a.length}`)
  }
  const out = a.ciphertexts.map((x, c) => {
    const plain = plainFor(ctx, x, values, c * ctx.slots, x.scale())
    const sum = new ctx.seal.Ciphertext()
    try {
      sealCall(ctx.seal, 'plain addition', () => ctx.evaluator.addPlain(x, plain, sum))
    } finally {
      plain.delete()
    }
    return sum
  })
  return new EncryptedVector(ctx.id, a.keyId, a.length, out)
}
