import { describe, expect, it } from 'vitest'
import { generateKeyPair, isUsablePublicKey, shareEncryptionKeys } from '../../../shared/secagg/key-agreement'
import { randomBytes } from '../../../shared/secagg/random'
import { decryptShares, ENCRYPTED_SHARES_BYTES, encryptShares } from '../../../shared/secagg/share-encryption'

const pair = { selfMaskSeedShare: randomBytes(33), maskKeyShare: randomBytes(33) }

describe('shares encrypted for one peer, bound to the round (X25519 + HKDF + ChaCha20-Poly1305)', () => {
  const u = generateKeyPair()
  const v = generateKeyPair()
  const fromU = shareEncryptionKeys(u.secretKey, v.publicKey, 'round-7', 5, 6)
  const atV = shareEncryptionKeys(v.secretKey, u.publicKey, 'round-7', 6, 5)

  it('u encrypts, v decrypts; the two directions use different keys', () => {
    expect(fromU.outgoing).toEqual(atV.incoming)
    expect(fromU.incoming).toEqual(atV.outgoing)
    expect(fromU.outgoing).not.toEqual(fromU.incoming)
    const sealed = encryptShares(fromU.outgoing, 'round-7', 5, 6, pair)
    expect(sealed.length).toBe(ENCRYPTED_SHARES_BYTES)
    expect(decryptShares(atV.incoming, 'round-7', 5, 6, sealed)).toEqual({ ok: true, shares: pair })
  })

  it('fails authentication when tampered, replayed into another round, or claimed by other ids', () => {
    const sealed = encryptShares(fromU.outgoing, 'round-7', 5, 6, pair)
    const flipped = Uint8Array.from(sealed)
    flipped[40] = flipped[40]! ^ 1
    expect(decryptShares(atV.incoming, 'round-7', 5, 6, flipped)).toMatchObject({
      ok: false,
      reason: /authentication/,
    })
    expect(decryptShares(atV.incoming, 'round-8', 5, 6, sealed)).toMatchObject({ ok: false })
    expect(decryptShares(atV.incoming, 'round-7', 4, 6, sealed)).toMatchObject({ ok: false })
    expect(decryptShares(atV.outgoing, 'round-7', 5, 6, sealed)).toMatchObject({ ok: false })
    expect(decryptShares(atV.incoming, 'round-7', 5, 6, sealed.subarray(1))).toMatchObject({
      reason: /102 bytes/,
    })
  })

  it('accepts only usable X25519 public keys', () => {
    expect(isUsablePublicKey(u.publicKey)).toBe(true)
    expect(isUsablePublicKey(new Uint8Array(32))).toBe(false) // u = 0, a low-order point
    expect(isUsablePublicKey(Uint8Array.from([1, ...new Uint8Array(31)]))).toBe(false) // u = 1
    expect(isUsablePublicKey(new Uint8Array(31))).toBe(false)
    expect(isUsablePublicKey('key')).toBe(false)
  })
})
