import { describe, expect, it } from 'vitest'
import { nodeCrypto } from '../../../shared/crypto/native'
import { expandSeed, expandSeedPure } from '../../../shared/secagg/prg'
import { randomBytes } from '../../../shared/secagg/random'

/** Byte equality through Buffer (vitest's deep equality is slow on 100k-word arrays). */
const sameWords = (a: Uint32Array, b: Uint32Array) =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

describe('the seeded PRG (ChaCha20 keystream, HKDF-separated domains)', () => {
  it('is deterministic, and OpenSSL and @noble give the same words', () => {
    expect(nodeCrypto).not.toBeNull()
    for (const length of [0, 1, 15, 16, 17, 1000, 100_003]) {
      const seed = randomBytes(32)
      const native = expandSeed(seed, length, 'self-mask')
      expect(sameWords(native, expandSeedPure(seed, length, 'self-mask'))).toBe(true)
      expect(sameWords(native, expandSeed(seed, length, 'self-mask'))).toBe(true)
    }
  })

  it('separates domains and seeds, and a longer stream extends a shorter one', () => {
    const seed = randomBytes(32)
    const a = expandSeed(seed, 64, 'self-mask')
    expect(a).not.toEqual(expandSeed(seed, 64, 'pairwise-mask'))
    expect(a).not.toEqual(expandSeed(randomBytes(32), 64, 'self-mask'))
    expect(expandSeed(seed, 128, 'self-mask').subarray(0, 64)).toEqual(a)
  })

  it('looks uniform: mean near 2^31 and every byte value present', () => {
    const words = expandSeed(randomBytes(32), 100_000, 'pairwise-mask')
    const mean = words.reduce((s, w) => s + w, 0) / words.length
    // sd of one word is 2^32 / sqrt(12); of the mean, that over sqrt(1e5).
    expect(Math.abs(mean - 2 ** 31)).toBeLessThan((5 * 2 ** 32) / Math.sqrt(12 * 100_000))
    expect(new Set(new Uint8Array(words.buffer)).size).toBe(256)
  })

  it('refuses a seed that is not 32 bytes and a bad length', () => {
    expect(() => expandSeed(new Uint8Array(16), 4, 'self-mask')).toThrow(/32 bytes/)
    expect(() => expandSeed(randomBytes(32), -1, 'self-mask')).toThrow(/mask length/)
  })
})
