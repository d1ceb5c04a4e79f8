import { describe, expect, it } from 'vitest'
import { canonicalBytes } from '../../../shared/chain/encoding'
import { generateKeyPair, keyPairFromSecret, sign, verifySignature } from '../../../shared/chain/keys'
import { checkTransaction, signTransaction } from '../../../shared/chain/transaction'
import { ADDRESS_PATTERN } from '../../../shared/ids'

describe('keys and signed transactions', () => {
  it('signs and verifies with Ed25519; addresses derive from public keys', () => {
    const keys = generateKeyPair()
    expect(keys.address).toMatch(ADDRESS_PATTERN)
    expect(keyPairFromSecret(keys.secretKey)).toEqual(keys)
    const message = canonicalBytes({ b: 2, a: [1, 'x'] })
    const signature = sign(message, keys.secretKey)
    expect(verifySignature(signature, message, keys.publicKey)).toBe(true)
    expect(verifySignature(signature, canonicalBytes({ a: [1, 'x'], b: 3 }), keys.publicKey)).toBe(false)
    expect(verifySignature(signature, message, generateKeyPair().publicKey)).toBe(false)
    expect(verifySignature('nothex', message, keys.publicKey)).toBe(false)
  })

  it('encodes canonically: key order and whitespace never change the bytes', () => {
    expect(new TextDecoder().decode(canonicalBytes({ b: 1, a: { d: 2.5, c: [true, null] } }))).toBe(
      '{"a":{"c":[true,null],"d":2.5},"b":1}',
    )
  })

  it('accepts a well-signed transaction and names what is wrong with a bad one', () => {
    const keys = generateKeyPair()
    const tx = signTransaction(keys, {
      chainId: 'privx-test',
      nonce: 0,
      type: 'token.transfer',
      payload: { to: 'px', amount: 1 },
      timestamp: 1,
    })
    expect(checkTransaction(tx, 'privx-test')).toEqual({ ok: true, value: null })
    expect(checkTransaction(tx, 'other')).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/is for chain "privx-test"/) },
    })
    const edited = { ...tx, body: { ...tx.body, payload: { to: 'px', amount: 1000 } } }
    expect(checkTransaction(edited, 'privx-test')).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/not the hash of its body/) },
    })
    const forged = signTransaction(keys, {
      chainId: 'privx-test',
      nonce: 0,
      type: 'x',
      payload: null,
      timestamp: 1,
    })
    const stolen = { ...forged, body: { ...forged.body, from: generateKeyPair().address } }
    const restamped = {
      ...stolen,
      id: signTransaction(keys, { chainId: 'privx-test', nonce: 0, type: 'x', payload: null, timestamp: 1 })
        .id,
    }
    expect(checkTransaction(restamped, 'privx-test').ok).toBe(false)
    const wrongSignature = { ...tx, signature: forged.signature }
    expect(checkTransaction(wrongSignature, 'privx-test')).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    })
  })
})
