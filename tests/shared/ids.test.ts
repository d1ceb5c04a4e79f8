import { describe, expect, it } from 'vitest'
import { generateKeyPair, sign } from '../../shared/chain/keys'
import {
  addressSchema,
  KEY_ID_BYTES,
  keyIdSchema,
  publicKeyHexSchema,
  purchaseIdSchema,
  randomHexId,
  signatureHexSchema,
  txIdSchema,
} from '../../shared/ids'

describe('ids', () => {
  it('random hex ids have the length asked for, in lowercase hex, and differ', () => {
    const ids = Array.from({ length: 50 }, () => randomHexId(KEY_ID_BYTES))
    for (const id of ids) expect(keyIdSchema.safeParse(id).success).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(randomHexId(32)).toMatch(/^[0-9a-f]{64}$/)
  })

  it('accept what the chain makes and refuse other spellings', () => {
    const keys = generateKeyPair()
    expect(addressSchema.safeParse(keys.address).success).toBe(true)
    expect(publicKeyHexSchema.safeParse(keys.publicKey).success).toBe(true)
    expect(signatureHexSchema.safeParse(sign(new Uint8Array([1]), keys.secretKey)).success).toBe(true)
    expect(addressSchema.safeParse(keys.address.toUpperCase()).success).toBe(false)
    expect(publicKeyHexSchema.safeParse(keys.publicKey.toUpperCase()).success).toBe(false)
    expect(txIdSchema.safeParse(keys.publicKey.slice(2)).success).toBe(false)
    expect(purchaseIdSchema.safeParse('p-12').success).toBe(true)
    expect(purchaseIdSchema.safeParse('p-').success).toBe(false)
  })
})
