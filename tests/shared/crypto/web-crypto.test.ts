import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '../../../shared/chain/keys'
import {
  hashAndSignUpdate,
  signUpdate,
  updateHash,
  verifyUpdateSignature,
} from '../../../shared/chain/update-signature'
import { fallback } from '../../../shared/crypto/ed25519'
import { fallbackSha256, sha256 } from '../../../shared/crypto/sha256'
import { sha256Async, signAsync, subtleSha256, subtleSign } from '../../../shared/crypto/web-crypto'

const random = (n: number): Uint8Array => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)))
  return out
}

describe('WebCrypto SHA-256 and Ed25519 against node:crypto and the pure-JS fallback', () => {
  it('hash the same bytes to the same digest on every path', async () => {
    for (const size of [0, 1, 55, 56, 64, 1000, 4 * 1024 * 1024 + 3]) {
      const bytes = random(size)
      const expected = fallbackSha256(bytes)
      expect(sha256(bytes)).toEqual(expected)
      expect(await subtleSha256(bytes)).toEqual(expected)
      expect(await sha256Async(bytes)).toEqual(expected)
    }
  })

  it('sign to the same signature on every path (RFC 8032 signatures are deterministic), which each verifies', async () => {
    for (let i = 0; i < 20; i++) {
      const seed = random(32)
      const message = random(1 + i * 37)
      const expected = fallback.sign(message, seed)
      expect(await subtleSign(message, seed)).toEqual(expected)
      expect(await signAsync(message, seed)).toEqual(expected)
      expect(fallback.verify(expected, message, fallback.getPublicKey(seed))).toBe(true)
    }
  })

  it("hash and sign an update asynchronously exactly as the chain's synchronous functions do", async () => {
    const keys = generateKeyPair()
    const bytes = random(4 * 1024 * 1024)
    const { hash, signature } = await hashAndSignUpdate(keys, 'task-a', 3, bytes)
    expect(hash).toBe(updateHash(bytes))
    expect(signature).toBe(signUpdate(keys, 'task-a', 3, hash))
    expect(verifyUpdateSignature(keys.publicKey, signature, 'task-a', 3, hash)).toBe(true)
    expect(verifyUpdateSignature(keys.publicKey, signature, 'task-a', 4, hash)).toBe(false)
  })
})
