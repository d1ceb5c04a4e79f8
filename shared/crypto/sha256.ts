import { sha256 as pureSha256 } from '@noble/hashes/sha2.js'
import { nodeCrypto } from './native'

/**
 * SHA-256 (FIPS 180-4) of `bytes`: OpenSSL's through `node:crypto` in Node (about 6x faster on a 4 MB update, issue
 * 17), @noble/hashes elsewhere. Synchronous everywhere (WebCrypto's digest is async only, and the chain hashes
 * inside synchronous code).
 */
export function sha256(bytes: Uint8Array): Uint8Array {
  if (!nodeCrypto) return pureSha256(bytes)
  const digest = nodeCrypto.createHash('sha256').update(bytes).digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}

/** The pure-JS path, always (what a browser runs); for the equality test and the benchmark. */
export const fallbackSha256 = (bytes: Uint8Array): Uint8Array => pureSha256(bytes)

/** SHA-256 of the concatenation of `parts`, without concatenating them (same digest as `sha256` of the whole). */
export function sha256Parts(parts: Iterable<Uint8Array>): Uint8Array {
  if (!nodeCrypto) {
    const hash = pureSha256.create()
    for (const part of parts) hash.update(part)
    return hash.digest()
  }
  const hash = nodeCrypto.createHash('sha256')
  for (const part of parts) hash.update(part)
  const digest = hash.digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}
