import { describe, expect, it } from 'vitest'
import { createEnvelopeKeyPair, openEnvelope, sealEnvelope } from '../../../shared/he/key-envelope'

describe('end-to-end key envelopes (ECDH P-256, HKDF, AES-GCM)', () => {
  it('opens for the intended recipient and context only', async () => {
    const alice = await createEnvelopeKeyPair()
    const bob = await createEnvelopeKeyPair()
    const eve = await createEnvelopeKeyPair()
    const secret = crypto.getRandomValues(new Uint8Array(1000))
    const envelope = await sealEnvelope(alice, bob.publicKey, secret, 'task-1/key-a/bob')
    expect(await openEnvelope(bob, envelope, 'task-1/key-a/bob')).toEqual(secret)
    // The relay sees only ciphertext: the secret bytes do not appear in it.
    expect(Buffer.from(envelope.ciphertext).indexOf(Buffer.from(secret.slice(0, 32)))).toBe(-1)
    await expect(openEnvelope(eve, envelope, 'task-1/key-a/bob')).rejects.toThrow(/does not open/)
    await expect(openEnvelope(bob, envelope, 'task-2/key-a/bob')).rejects.toThrow(/does not open/)
    const tampered = { ...envelope, ciphertext: envelope.ciphertext.map((b, i) => (i === 5 ? b ^ 1 : b)) }
    await expect(openEnvelope(bob, tampered, 'task-1/key-a/bob')).rejects.toThrow(/does not open/)
  })

  it('refuses a malformed public key with its size', async () => {
    const alice = await createEnvelopeKeyPair()
    await expect(sealEnvelope(alice, new Uint8Array(10), new Uint8Array(1), 'x')).rejects.toThrow(/65 bytes/)
  })
})
