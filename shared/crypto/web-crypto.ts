import { sha256 as pureSha256 } from '@noble/hashes/sha2.js'
import { sign as ed25519Sign } from './ed25519'
import { nodeCrypto } from './native'

/*
 * The browser's native SHA-256 and Ed25519 (WebCrypto, `crypto.subtle`), for the work a tab does off the chain's
 * synchronous path: hashing and signing its update (a 4 MB update hashes about 10x faster than in pure JS). WebCrypto
 * is asynchronous only, so these return promises. In Node they answer from `node:crypto` at once; where WebCrypto
 * lacks the algorithm (Ed25519 arrived in Chromium 137), they fall back to the same pure-JS code the synchronous
 * functions use. Ed25519 signatures are deterministic (RFC 8032), so every path signs the same bytes
 * (tests/shared/crypto/web-crypto.test.ts, and in Chromium tests/e2e/web-crypto.e2e.test.ts).
 */

/** PKCS#8 prefix wrapping a raw 32-byte Ed25519 seed (RFC 8410), as WebCrypto imports secret keys. */
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

const subtle = (): SubtleCrypto | null => globalThis.crypto?.subtle ?? null

/** Which path `sha256Async` and `signAsync` take here: for the bench and the tests. */
export function webCryptoPath(): 'node' | 'webcrypto' | 'pure' {
  return nodeCrypto ? 'node' : subtle() ? 'webcrypto' : 'pure'
}

export async function sha256Async(bytes: Uint8Array): Promise<Uint8Array> {
  if (nodeCrypto) {
    const digest = nodeCrypto.createHash('sha256').update(bytes).digest()
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
  }
  return subtleSha256(bytes)
}

/** SHA-256 through WebCrypto where it exists, else pure JS. */
export async function subtleSha256(bytes: Uint8Array): Promise<Uint8Array> {
  const s = subtle()
  if (!s) return pureSha256(bytes)
  return new Uint8Array(await s.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}

/** Imported secret keys by seed: importing costs a scalar multiplication, and a tab signs with one key. */
const imported = new Map<string, Promise<CryptoKey | null>>()

function importSeed(s: SubtleCrypto, seed: Uint8Array): Promise<CryptoKey | null> {
  const id = Array.from(seed, (b) => b.toString(16).padStart(2, '0')).join('')
  let key = imported.get(id)
  if (!key) {
    const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32)
    pkcs8.set(PKCS8_PREFIX)
    pkcs8.set(seed, PKCS8_PREFIX.length)
    // Where Ed25519 is missing from WebCrypto, importKey rejects: null, and the pure-JS path signs.
    key = s.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']).catch(() => null)
    if (imported.size >= 4) imported.delete(imported.keys().next().value!)
    imported.set(id, key)
  }
  return key
}

export async function signAsync(message: Uint8Array, seed: Uint8Array): Promise<Uint8Array> {
  if (nodeCrypto || seed.length !== 32) return ed25519Sign(message, seed)
  return subtleSign(message, seed)
}

/** An Ed25519 signature through WebCrypto where it has Ed25519, else pure JS. */
export async function subtleSign(message: Uint8Array, seed: Uint8Array): Promise<Uint8Array> {
  const s = subtle()
  const key = s && seed.length === 32 ? await importSeed(s, seed) : null
  if (!s || !key) return ed25519Sign(message, seed)
  return new Uint8Array(await s.sign({ name: 'Ed25519' }, key, message as Uint8Array<ArrayBuffer>))
}
