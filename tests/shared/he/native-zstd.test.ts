import { zstdCompressSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCiphertexts } from '../../../coordinator/he/encrypted-aggregator'
import { HeContext } from '../../../shared/he/context'
import { HeError } from '../../../shared/he/errors'
import { deleteKeys, exportKeys, generateKeys, type HeKeySet, importKeys } from '../../../shared/he/keys'
import { nativeZstd, saveZstd } from '../../../shared/he/native-zstd'
import { HE_PRESETS } from '../../../shared/he/parameters'
import { loadSeal, type Seal } from '../../../shared/he/seal'
import { isWholeSealObject, SEAL_HEADER_BYTES, sealCompression } from '../../../shared/he/seal-frame'
import {
  decryptVector,
  EncryptedVector,
  encryptVector,
  encryptVectorToBytes,
} from '../../../shared/he/vector'
import { deserializeVector, serializeVector } from '../../../shared/he/wire'

let seal: Seal
let bfv: HeContext
let keys: HeKeySet

beforeAll(async () => {
  seal = await loadSeal()
  bfv = HeContext.create(seal, HE_PRESETS['bfv-8192'])
  keys = generateKeys(bfv)
})

afterAll(() => {
  deleteKeys(keys)
  bfv.delete()
})

function heError(fn: () => unknown): HeError {
  try {
    fn()
  } catch (error) {
    if (error instanceof HeError) return error
    throw new Error(`expected an HeError, got ${String(error)}`)
  }
  throw new Error('expected an HeError, nothing was thrown')
}

/** `body` behind the SEAL header of `like`, its mode zstd and its size the new total: a well-framed SEAL object. */
function framed(like: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SEAL_HEADER_BYTES + body.byteLength)
  out.set(like.subarray(0, SEAL_HEADER_BYTES))
  out[5] = 2
  new DataView(out.buffer).setBigUint64(8, BigInt(out.byteLength), true)
  out.set(body, SEAL_HEADER_BYTES)
  return out
}

const values = Array.from({ length: 9000 }, (_, i) => (i % 201) - 100)
const wire = (ciphertexts: readonly Uint8Array[]) => ({
  contextId: bfv.id,
  keyId: keys.keyId,
  length: values.length,
  ciphertexts,
})

describe('zstd done natively for SEAL objects (Node)', () => {
  it('runs natively under Node', () => {
    expect(nativeZstd).toBe(true)
  })

  it('reads SEAL headers: the compression mode, and whether they frame exactly the bytes', () => {
    const [bytes] = encryptVectorToBytes(bfv, keys, [1, 2, 3])
    expect(sealCompression(bytes!)).toBe(2)
    expect(isWholeSealObject(bytes!)).toBe(true)
    expect(isWholeSealObject(bytes!.subarray(0, 100))).toBe(false)
    const trailing = new Uint8Array(bytes!.byteLength + 1)
    trailing.set(bytes!)
    expect(isWholeSealObject(trailing)).toBe(false)
    expect(sealCompression(new Uint8Array(64))).toBeNull()
    const cipher = new seal.Ciphertext()
    cipher.loadFromArray(bfv.context, bytes!)
    expect(sealCompression(cipher.saveToArray(seal.ComprModeType.none) as Uint8Array)).toBe(0)
    cipher.delete()
  })

  it('refuses compressed bytes it would have to hand SEAL unbounded: other modes, loose framing', () => {
    const upload = encryptVectorToBytes(bfv, keys, values)
    // A bomb whose header under-declares its size by one trailing byte: SEAL would read it and inflate it all.
    const bomb = framed(upload[0]!, zstdCompressSync(new Uint8Array(64 * 1024 * 1024)))
    const loose = new Uint8Array(bomb.byteLength + 1)
    loose.set(bomb)
    const error = heError(() => deserializeVector(bfv, wire([loose, upload[1]!])))
    expect(error.code).toBe('bad-ciphertext')
    expect(error.message).toBe(
      `loading ciphertext 0 failed: its SEAL header does not frame exactly its ${loose.byteLength} bytes`,
    )
    const zlibMode = upload[1]!.slice()
    zlibMode[5] = 1
    expect(heError(() => deserializeVector(bfv, wire([upload[0]!, zlibMode]))).message).toBe(
      'loading ciphertext 1 failed: compression mode 1 is not taken (zstd or none only)',
    )
  })

  it("writes what SEAL's own loader reads, and reads what SEAL writes", () => {
    const vector = encryptVector(bfv, keys, values)
    const native = serializeVector(bfv, vector).ciphertexts
    // SEAL inflates the natively deflated bytes itself.
    const bySeal = native.map((bytes) => {
      const cipher = new seal.Ciphertext()
      cipher.loadFromArray(bfv.context, bytes)
      return cipher
    })
    const sealLoaded = new EncryptedVector(bfv.id, keys.keyId, values.length, bySeal)
    expect(Array.from(decryptVector(bfv, keys, sealLoaded))).toEqual(values)
    sealLoaded.delete()
    // Bytes SEAL deflated itself (what a browser sends) load through the native path.
    const sealDeflated = vector.ciphertexts.map((c) => c.saveToArray(seal.ComprModeType.zstd) as Uint8Array)
    const loaded = deserializeVector(bfv, wire(sealDeflated))
    expect(Array.from(decryptVector(bfv, keys, loaded))).toEqual(values)
    loaded.delete()
    // The same ciphertext, either way, is the same object once inflated.
    const plain = (c: { saveToArray(mode: unknown): unknown }) => c.saveToArray(seal.ComprModeType.none)
    const again = deserializeVector(bfv, wire(native))
    expect(plain(again.ciphertexts[0]!)).toEqual(plain(vector.ciphertexts[0]!))
    expect(saveZstd(vector.ciphertexts[0]!, seal.ComprModeType).byteLength).toBeLessThan(
      (plain(vector.ciphertexts[0]!) as Uint8Array).byteLength,
    )
    again.delete()
    vector.delete()
  })

  it('refuses a decompression bomb before inflating it, naming the ciphertext', () => {
    const upload = encryptVectorToBytes(bfv, keys, values)
    const bomb = framed(upload[0]!, zstdCompressSync(new Uint8Array(64 * 1024 * 1024)))
    expect(bomb.byteLength).toBeLessThan(upload[0]!.byteLength)
    const error = heError(() => deserializeVector(bfv, wire([bomb, upload[1]!])))
    expect(error.code).toBe('bad-ciphertext')
    expect(error.message).toMatch(/loading ciphertext 0 failed: its zstd stream inflates to over \d+ bytes/)
    // The coordinator's own path refuses it the same way (it passes the byte-size check: it is small).
    const coordinator = heError(() =>
      loadCiphertexts(bfv, 'bfv-8192', keys.keyId, values.length, [upload[0]!, bomb]),
    )
    expect(coordinator.message).toContain('loading ciphertext 1 failed: its zstd stream inflates to over')
  })

  it('refuses a broken zstd stream and bytes that inflate to no ciphertext, with the reason', () => {
    const upload = encryptVectorToBytes(bfv, keys, values)
    const broken = upload[1]!.slice()
    broken.fill(0xff, SEAL_HEADER_BYTES, SEAL_HEADER_BYTES + 8)
    const error = heError(() => deserializeVector(bfv, wire([upload[0]!, broken])))
    expect(error.code).toBe('bad-ciphertext')
    expect(error.message).toContain('loading ciphertext 1 failed: its zstd stream is broken')
    // A valid zstd stream of garbage gets past inflation; SEAL's own validity check still refuses it.
    const garbage = framed(upload[0]!, zstdCompressSync(new Uint8Array(1000).fill(7)))
    const refused = heError(() => deserializeVector(bfv, wire([garbage, upload[1]!])))
    expect(refused.code).toBe('bad-ciphertext')
    expect(refused.message).toMatch(/^loading ciphertext 0 failed: std::/)
  })

  it("refuses key bytes that inflate far past their size (a hostile tab's evaluation keys)", () => {
    const exported = exportKeys(bfv, keys, ['publicKey'])
    const imported = importKeys(bfv, exported)
    expect(imported.publicKey).not.toBeNull()
    deleteKeys(imported)
    const bomb = framed(exported.publicKey!, zstdCompressSync(new Uint8Array(64 * 1024 * 1024)))
    const error = heError(() => importKeys(bfv, { ...exported, publicKey: bomb }))
    expect(error.code).toBe('key-mismatch')
    expect(error.message).toMatch(
      /loading publicKey of key set \w+ failed: its zstd stream inflates to over \d+ bytes/,
    )
  })
})
