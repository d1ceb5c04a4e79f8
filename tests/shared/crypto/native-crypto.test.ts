import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fallback, getPublicKey, sign, verify } from '../../../shared/crypto/ed25519'
import { nodeCrypto } from '../../../shared/crypto/native'
import { fallbackSha256, sha256, sha256Parts } from '../../../shared/crypto/sha256'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('native crypto in Node, pure JS elsewhere: the same bytes', () => {
  it('runs natively here (node:crypto through process.getBuiltinModule)', () => {
    expect(nodeCrypto).not.toBeNull()
  })

  it('SHA-256: equal digests on random inputs and the FIPS 180-4 test vector, whole or in parts', () => {
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    for (const size of [0, 1, 55, 56, 64, 1000, 4 * 2 ** 20]) {
      const bytes = randomBytes(size)
      expect(hex(sha256(bytes))).toBe(hex(fallbackSha256(bytes)))
    }
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (parts) => {
        const whole = Uint8Array.from(parts.flatMap((p) => [...p]))
        expect(hex(sha256Parts(parts))).toBe(hex(fallbackSha256(whole)))
      }),
    )
  })

  it('Ed25519: equal public keys and signatures (deterministic), and both accept and refuse the same', () => {
    // RFC 8032, section 7.1, test 1.
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    expect(hex(getPublicKey(seed))).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    expect(hex(sign(new Uint8Array(), seed))).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    )
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        (s, message) => {
          const publicKey = getPublicKey(s)
          expect(hex(publicKey)).toBe(hex(fallback.getPublicKey(s)))
          const signature = sign(message, s)
          expect(hex(signature)).toBe(hex(fallback.sign(message, s)))
          expect(verify(signature, message, publicKey)).toBe(true)
          expect(fallback.verify(signature, message, publicKey)).toBe(true)
          const tampered = Uint8Array.from(signature)
          tampered[message.length % 64]! ^= 1
          expect(verify(tampered, message, publicKey)).toBe(false)
          expect(fallback.verify(tampered, message, publicKey)).toBe(false)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('Ed25519: malformed signatures and keys are false on both paths, never a throw', () => {
    const s = randomBytes(32)
    const publicKey = getPublicKey(s)
    const signature = sign(Uint8Array.of(1, 2, 3), s)
    const cases: [Uint8Array, Uint8Array][] = [
      [signature.slice(0, 63), publicKey],
      [signature, publicKey.slice(0, 31)],
      [new Uint8Array(64), publicKey],
      [new Uint8Array(64).fill(0xff), publicKey],
      [signature, new Uint8Array(32).fill(0xff)],
      [signature, new Uint8Array(32)],
    ]
    for (const [sig, key] of cases) {
      expect(verify(sig, Uint8Array.of(1, 2, 3), key)).toBe(false)
      expect(fallback.verify(sig, Uint8Array.of(1, 2, 3), key)).toBe(false)
    }
  })
})
