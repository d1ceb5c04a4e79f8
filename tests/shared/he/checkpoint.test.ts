import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkpointWords, compareCheckpoint, weightsFromWords } from '../../../shared/he/checkpoint'
import { HeContext } from '../../../shared/he/context'
import { HeError } from '../../../shared/he/errors'
import { deleteKeys, generateKeys, type HeKeySet } from '../../../shared/he/keys'
import { HE_PRESETS } from '../../../shared/he/parameters'
import { loadSeal } from '../../../shared/he/seal'
import { decryptVector, encryptVectorToBytes } from '../../../shared/he/vector'
import { deserializeVector } from '../../../shared/he/wire'
import { weightsDigest } from '../../../shared/model/version'
import { seededRandom } from '../../../shared/random'

const contexts: { name: 'bfv-8192' | 'ckks-8192'; ctx: HeContext; keys: HeKeySet }[] = []

beforeAll(async () => {
  const seal = await loadSeal()
  for (const name of ['bfv-8192', 'ckks-8192'] as const) {
    const ctx = HeContext.create(seal, HE_PRESETS[name])
    contexts.push({ name, ctx, keys: generateKeys(ctx) })
  }
})

afterAll(() => {
  for (const { ctx, keys } of contexts) {
    deleteKeys(keys)
    ctx.delete()
  }
})

/** Weights of every kind a model holds: tiny, huge, negative, subnormal, signed zeros. */
function awkwardWeights(n: number): Float32Array {
  const random = seededRandom(7)
  const w = Float32Array.from({ length: n }, () => (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6))
  w.set([0, -0, 1.4e-45, -3.4e38, 3.4e38, 1, -1, 0.1], 0)
  return w
}

describe('encrypted checkpoints carry float32 weights exactly', () => {
  it.each(['bfv-8192', 'ckks-8192'] as const)(
    '%s: encrypt, serialize, decrypt gives the same bits',
    (name) => {
      const { ctx, keys } = contexts.find((c) => c.name === name)!
      const weights = awkwardWeights(ctx.slots + 17)
      const bytes = encryptVectorToBytes(ctx, keys, checkpointWords(weights))
      expect(bytes.length).toBe(2)
      const vector = deserializeVector(ctx, {
        contextId: ctx.id,
        keyId: keys.keyId,
        length: weights.length,
        ciphertexts: bytes,
      })
      const back = weightsFromWords(decryptVector(ctx, keys, vector))
      vector.delete()
      expect(weightsDigest(back)).toBe(weightsDigest(weights))
      expect(Object.is(back[1], -0)).toBe(true)
    },
  )

  it('a value that is not a word is refused with its index', () => {
    expect(() => weightsFromWords([1, 2.5])).toThrow(/checkpoint value 1 did not decrypt to a 32-bit word/)
    expect(() => weightsFromWords([-3])).toThrow(HeError)
    expect(() => weightsFromWords([2 ** 32])).toThrow(/did not decrypt to a 32-bit word/)
    // 0x7fc00000 is a NaN's bit pattern.
    expect(() => weightsFromWords([0x7fc00000])).toThrow(/weight 0 is NaN/)
  })
})

describe('a verifier compares a checkpoint with its own model', () => {
  const own = Float32Array.from([0.5, -0.25, 1e-3])
  const digest = weightsDigest(own)

  it('BFV: the same bits, and the digest claimed, or a mismatch saying which', () => {
    expect(compareCheckpoint(own.slice(), own, digest, true)).toEqual({ outcome: 'match' })
    const other = Float32Array.from([0.5, -0.25, 2e-3])
    // Claims its own digest honestly, but is not the model of that version.
    expect(compareCheckpoint(other, own, weightsDigest(other), true)).toMatchObject({
      outcome: 'mismatch',
      reason: expect.stringMatching(/not this tab's model/),
    })
    // Claims the honest digest over other content.
    expect(compareCheckpoint(other, own, digest, true)).toMatchObject({
      reason: expect.stringMatching(/SHA-256 is not the one it claims/),
    })
  })

  it('CKKS: within the tolerance of its own model (tabs drift by their flooding noise), not beyond', () => {
    const near = own.map((w) => w + 1e-5)
    expect(compareCheckpoint(near, own, weightsDigest(near), false)).toEqual({ outcome: 'match' })
    const far = own.map((w, i) => (i === 1 ? w + 0.1 : w))
    expect(compareCheckpoint(far, own, weightsDigest(far), false)).toMatchObject({
      outcome: 'mismatch',
      reason: expect.stringMatching(/differ .* by up to 0\.100/),
    })
  })
})
