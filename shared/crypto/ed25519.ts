import { ed25519 as pure } from '@noble/curves/ed25519.js'
import { type NodeCrypto, nodeCrypto } from './native'

/*
 * Ed25519 (RFC 8032) with 32-byte seeds and public keys: OpenSSL's through `node:crypto` in Node (verification about
 * 10x faster than pure JS, issue 17), @noble/curves elsewhere. Signatures are deterministic, so both paths give the
 * same bytes; both verify strictly as RFC 8032 says (noble with `zip215: false`), so a signature valid on one path
 * is valid on the other (tests/shared/crypto/native-crypto.test.ts).
 */

/** DER prefixes that wrap a raw 32-byte key as PKCS#8 (secret seed) and SPKI (public key), RFC 8410. */
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** `make(bytes)` memoized by the bytes, holding at most `max` entries (the oldest leaves first). */
function boundedCache<T>(max: number, make: (bytes: Uint8Array) => T): (bytes: Uint8Array) => T {
  const entries = new Map<string, T>()
  return (bytes) => {
    const id = Buffer.from(bytes).toString('hex')
    let value = entries.get(id)
    if (value === undefined) {
      value = make(bytes)
      if (entries.size >= max) entries.delete(entries.keys().next().value!)
      entries.set(id, value)
    }
    return value
  }
}

/** Public keys seen lately, parsed once: a coordinator verifies the same few accounts' signatures every round. */
const nodePublicKey = (node: NodeCrypto) =>
  boundedCache(4096, (publicKey) =>
    node.createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' }),
  )

/**
 * Secret keys parsed lately. Parsing one derives its public key (a scalar multiplication, the larger part of a
 * signature's cost), and a process signs with the same few keys (the coordinator's producer key, a client's account
 * key) over and over. The seeds are in this process's memory already; the cache holds at most a few.
 */
const nodeSecretKey = (node: NodeCrypto) =>
  boundedCache(16, (seed) =>
    node.createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, seed)), format: 'der', type: 'pkcs8' }),
  )

const publicKeyOf = nodeCrypto && nodePublicKey(nodeCrypto)
const secretKeyOf = nodeCrypto && nodeSecretKey(nodeCrypto)

export function getPublicKey(seed: Uint8Array): Uint8Array {
  if (!nodeCrypto || !secretKeyOf || seed.length !== 32) return pure.getPublicKey(seed)
  const der = nodeCrypto.createPublicKey(secretKeyOf(seed)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(der.subarray(SPKI_PREFIX.length))
}

export function sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
  if (!nodeCrypto || !secretKeyOf || seed.length !== 32) return pure.sign(message, seed)
  return new Uint8Array(nodeCrypto.sign(null, message, secretKeyOf(seed)))
}

/** Whether `signature` is a valid signature of `message` by `publicKey`; false for malformed input of any kind. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false
  try {
    if (!nodeCrypto || !publicKeyOf) return pure.verify(signature, message, publicKey, { zip215: false })
    return nodeCrypto.verify(null, message, publicKeyOf(publicKey), signature)
  } catch {
    return false
  }
}

/** The pure-JS paths, always (what a browser runs); for the equality test and the benchmark. */
export const fallback = {
  getPublicKey: (seed: Uint8Array): Uint8Array => pure.getPublicKey(seed),
  sign: (message: Uint8Array, seed: Uint8Array): Uint8Array => pure.sign(message, seed),
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    try {
      return pure.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  },
}
