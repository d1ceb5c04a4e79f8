import { describe, expect, it } from 'vitest'
import { nodeCrypto } from '../../../shared/crypto/native'
import { randomBytes } from '../../../shared/secagg/random'
import { fallback, getPublicKey, getSharedSecret } from '../../../shared/secagg/x25519'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('X25519: OpenSSL in Node, @noble/curves elsewhere, the same bytes', () => {
  it('runs natively here, and matches RFC 7748 section 6.1', () => {
    expect(nodeCrypto).not.toBeNull()
    const alice = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex')
    const bobPublic = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex')
    expect(hex(getPublicKey(alice))).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
    expect(hex(getSharedSecret(alice, bobPublic))).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    )
  })

  it('equal public keys and shared values on random keys', () => {
    for (let i = 0; i < 50; i++) {
      const a = randomBytes(32)
      const b = randomBytes(32)
      expect(hex(getPublicKey(a))).toBe(hex(fallback.getPublicKey(a)))
      expect(hex(getSharedSecret(a, getPublicKey(b)))).toBe(
        hex(fallback.getSharedSecret(b, fallback.getPublicKey(a))),
      )
    }
  })

  it('both refuse low-order peer keys (u = 0, u = 1) and malformed lengths', () => {
    const secret = randomBytes(32)
    for (const bad of [new Uint8Array(32), Uint8Array.from([1, ...new Uint8Array(31)])]) {
      expect(() => getSharedSecret(secret, bad)).toThrow()
      expect(() => fallback.getSharedSecret(secret, bad)).toThrow()
    }
    expect(() => getSharedSecret(secret, new Uint8Array(31))).toThrow(/32 bytes/)
    expect(() => getPublicKey(new Uint8Array(16))).toThrow(/32 bytes/)
  })
})
