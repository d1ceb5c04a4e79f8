import { x25519 as pure } from '@noble/curves/ed25519.js'
import { type NodeCrypto, nodeCrypto } from '../crypto/native'

/*
 * X25519 (RFC 7748): OpenSSL's through `node:crypto` in Node (an agreement about 7x faster than pure JS: the
 * coordinator checks 2n public keys a round and rebuilds dropped clients' masks), @noble/curves elsewhere (a
 * browser). Both give the same bytes and both refuse a peer key whose shared value is all zero (a low-order point),
 * by throwing (tests/shared/secagg/x25519.test.ts), as issue 17 did for Ed25519 in shared/crypto/ed25519.ts.
 */

/** DER prefixes that wrap a raw 32-byte X25519 key as PKCS#8 (secret) and SPKI (public), RFC 8410 (OID 1.3.101.110). */
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
])
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00])

const wrap = (prefix: Uint8Array, key: Uint8Array): Buffer => Buffer.concat([prefix, key])

const secretKeyObject = (node: NodeCrypto, secretKey: Uint8Array) =>
  node.createPrivateKey({ key: wrap(PKCS8_PREFIX, secretKey), format: 'der', type: 'pkcs8' })

function checkLength(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new RangeError(`an X25519 ${what} is 32 bytes`)
}

/** The public key of a 32-byte secret key. */
export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  checkLength(secretKey, 'secret key')
  if (!nodeCrypto) return pure.getPublicKey(secretKey)
  const der = nodeCrypto
    .createPublicKey(secretKeyObject(nodeCrypto, secretKey))
    .export({ format: 'der', type: 'spki' })
  return new Uint8Array(der.subarray(SPKI_PREFIX.length))
}

/** The shared value X25519(secretKey, publicKey); throws when it would be all zero or a key is malformed. */
export function getSharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkLength(secretKey, 'secret key')
  checkLength(publicKey, 'public key')
  if (!nodeCrypto) return pure.getSharedSecret(secretKey, publicKey)
  const shared = nodeCrypto.diffieHellman({
    privateKey: secretKeyObject(nodeCrypto, secretKey),
    publicKey: nodeCrypto.createPublicKey({ key: wrap(SPKI_PREFIX, publicKey), format: 'der', type: 'spki' }),
  })
  if (shared.every((byte) => byte === 0))
    throw new RangeError('the X25519 shared value is zero: a low-order key')
  return new Uint8Array(shared)
}

/** The pure-JS paths, always (what a browser runs): for the equality test and the benchmark. */
export const fallback = {
  getPublicKey: (secretKey: Uint8Array): Uint8Array => pure.getPublicKey(secretKey),
  getSharedSecret: (secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array =>
    pure.getSharedSecret(secretKey, publicKey),
}
