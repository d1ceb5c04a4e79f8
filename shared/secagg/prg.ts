import { chacha20 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { nodeCrypto } from '../crypto/native'

/**
 * The seeded PRG of Bonawitz et al. 2017 (section 3.4; the masks PRG(b_u) and PRG(s_{u,v}) of section 4): a 32-byte seed
 * expands to m words of Z_{2^32}. The ChaCha20 key is HKDF-SHA256(seed, info = domain), so one seed never yields
 * the same stream under two uses (self mask, pairwise mask, graph); the nonce is fixed at zero because every key
 * is used for exactly one stream. The stream is the ChaCha20 keystream (RFC 8439, block counter from 0), read as
 * little-endian 32-bit words. Security: a mask is indistinguishable from uniform to anyone without the seed, so
 * y_u = x_u + mask hides x_u (one-time pad over Z_{2^32}).
 *
 * Node runs OpenSSL's ChaCha20 (about 2.5x faster: the server expands one mask a survivor and k a dropout); a
 * browser runs @noble/ciphers. Both give the same words (tests/shared/secagg/prg.test.ts).
 */
export type PrgDomain = 'self-mask' | 'pairwise-mask' | 'graph'

export const SEED_BYTES = 32
const ZERO_NONCE = new Uint8Array(12)
/** Typed arrays use the platform's byte order; every JS engine in use is little-endian, and the words must agree. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
const encoder = new TextEncoder()

function streamKey(seed: Uint8Array, domain: PrgDomain): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new RangeError(`a PRG seed is ${SEED_BYTES} bytes (got ${seed?.length})`)
  }
  return hkdf(sha256, seed, new Uint8Array(0), encoder.encode(`privx/secagg/v1/prg/${domain}`), 32)
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > 2 ** 28) {
    throw new RangeError(`a mask length is an integer from 0 to 2^28 (got ${length})`)
  }
  if (!LITTLE_ENDIAN) throw new Error('secure aggregation needs a little-endian platform')
}

/** m pseudorandom words from `seed` in `domain`: OpenSSL in Node, @noble/ciphers elsewhere. */
export function expandSeed(seed: Uint8Array, length: number, domain: PrgDomain): Uint32Array {
  checkLength(length)
  const key = streamKey(seed, domain)
  if (!nodeCrypto) return pureStream(key, length)
  // OpenSSL's "chacha20" takes a 16-byte IV: the 32-bit block counter (little-endian), then the 96-bit nonce.
  const cipher = nodeCrypto.createCipheriv('chacha20', key, new Uint8Array(16))
  const bytes = cipher.update(new Uint8Array(length * 4))
  const out = new Uint32Array(length)
  new Uint8Array(out.buffer).set(bytes)
  return out
}

/** The pure-JS path, always (what a browser runs): for the equality test and the benchmark. */
export function expandSeedPure(seed: Uint8Array, length: number, domain: PrgDomain): Uint32Array {
  checkLength(length)
  return pureStream(streamKey(seed, domain), length)
}

function pureStream(key: Uint8Array, length: number): Uint32Array {
  const out = new Uint32Array(length)
  const bytes = new Uint8Array(out.buffer)
  chacha20(key, ZERO_NONCE, bytes, bytes) // keystream XOR zeros = keystream, written in place
  return out
}
