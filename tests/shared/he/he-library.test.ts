import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeContext } from '../../../shared/he/context'
import { HeError } from '../../../shared/he/errors'
import { inferenceSteps, secureLogisticInference } from '../../../shared/he/inference'
import { deleteKeys, exportKeys, generateKeys, type HeKeySet, importKeys } from '../../../shared/he/keys'
import {
  decryptMatrix,
  encryptMatrix,
  linearTransform,
  linearTransformSteps,
  replicateForTransform,
} from '../../../shared/he/linear'
import { HE_PRESETS, validateParameters } from '../../../shared/he/parameters'
import { loadSeal, type Seal } from '../../../shared/he/seal'
import { approximateSigmoid, SIGMOID_APPROXIMATIONS } from '../../../shared/he/sigmoid'
import {
  addInPlace,
  addVectors,
  decryptVector,
  encryptVector,
  encryptVectorToBytes,
  multiplyPlain,
  multiplyVectors,
} from '../../../shared/he/vector'
import { deserializeVector, serializeVector } from '../../../shared/he/wire'

let seal: Seal
let bfv: HeContext
let ckks: HeContext
let bfvKeys: HeKeySet
let ckksKeys: HeKeySet

const maxAbsError = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  return worst
}

function heError(fn: () => unknown): HeError {
  try {
    fn()
  } catch (error) {
    if (error instanceof HeError) return error
    throw new Error(`expected an HeError, got ${String(error)}`)
  }
  throw new Error('expected an HeError, nothing was thrown')
}

beforeAll(async () => {
  seal = await loadSeal()
  bfv = HeContext.create(seal, HE_PRESETS['bfv-8192'])
  ckks = HeContext.create(seal, HE_PRESETS['ckks-8192'])
  bfvKeys = generateKeys(bfv)
  ckksKeys = generateKeys(ckks, { relin: true })
})

afterAll(() => {
  deleteKeys(bfvKeys)
  deleteKeys(ckksKeys)
  bfv.delete()
  ckks.delete()
})

describe('BFV', () => {
  it('round-trips and sums integers exactly, split across ciphertexts', () => {
    const length = 20_000 // three ciphertexts of 8192 slots
    const a = Array.from({ length }, (_, i) => ((i * 7919) % 200_001) - 100_000)
    const b = Array.from({ length }, (_, i) => -((i * 104_729) % 50_000))
    const ea = encryptVector(bfv, bfvKeys, a)
    const eb = encryptVector(bfv, bfvKeys, b)
    expect(ea.ciphertexts).toHaveLength(3)
    expect(Array.from(decryptVector(bfv, bfvKeys, ea))).toEqual(a)
    const sum = addVectors(bfv, ea, eb)
    expect(Array.from(decryptVector(bfv, bfvKeys, sum))).toEqual(a.map((v, i) => v + b[i]!))
    addInPlace(bfv, ea, eb)
    expect(Array.from(decryptVector(bfv, bfvKeys, ea))).toEqual(a.map((v, i) => v + b[i]!))
    for (const v of [ea, eb, sum]) v.delete()
  })

  it('sums compact symmetric uploads received as bytes', () => {
    const bytes = encryptVectorToBytes(bfv, bfvKeys, [5, -3, 12])
    const wire = { contextId: bfv.id, keyId: bfvKeys.keyId, length: 3, ciphertexts: bytes }
    const x = deserializeVector(bfv, wire)
    const y = deserializeVector(bfv, wire)
    addInPlace(bfv, x, y)
    expect(Array.from(decryptVector(bfv, bfvKeys, x))).toEqual([10, -6, 24])
    x.delete()
    y.delete()
  })

  it('refuses values outside the plain range and non-integers, naming the index', () => {
    const error = heError(() => encryptVector(bfv, bfvKeys, [1, 2 ** 45]))
    expect(error.code).toBe('out-of-range')
    expect(error.message).toContain('index 1')
    expect(heError(() => encryptVector(bfv, bfvKeys, [0.5])).code).toBe('out-of-range')
  })

  it('multiplies element-wise with relinearization', () => {
    const keys = generateKeys(bfv, { relin: true })
    const x = encryptVector(bfv, keys, [3, -4, 5])
    const y = encryptVector(bfv, keys, [7, 8, -9])
    const product = multiplyVectors(bfv, x, y, keys)
    expect(Array.from(decryptVector(bfv, keys, product))).toEqual([21, -32, -45])
    const scaled = multiplyPlain(bfv, x, [2, 2, 2])
    expect(Array.from(decryptVector(bfv, keys, scaled))).toEqual([6, -8, 10])
    for (const v of [x, y, product, scaled]) v.delete()
    deleteKeys(keys)
  })
})

describe('CKKS', () => {
  const values = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i))

  it('round-trips and adds reals in [-1, 1] within 1e-6', () => {
    const a = values(5000, (i) => Math.sin(i))
    const b = values(5000, (i) => Math.cos(i * 0.3))
    const ea = encryptVector(ckks, ckksKeys, a)
    const eb = encryptVector(ckks, ckksKeys, b)
    expect(ea.ciphertexts).toHaveLength(2)
    expect(maxAbsError(decryptVector(ckks, ckksKeys, ea), a)).toBeLessThan(1e-6)
    const sum = addVectors(ckks, ea, eb)
    expect(
      maxAbsError(
        decryptVector(ckks, ckksKeys, sum),
        a.map((v, i) => v + b[i]!),
      ),
    ).toBeLessThan(1e-6)
    for (const v of [ea, eb, sum]) v.delete()
  })

  it('multiplies ciphertexts (relinearized, rescaled) and by plaintexts within 1e-5', () => {
    const a = values(300, (i) => Math.sin(i))
    const b = values(300, (i) => Math.cos(i))
    const ea = encryptVector(ckks, ckksKeys, a)
    const eb = encryptVector(ckks, ckksKeys, b)
    const product = multiplyVectors(ckks, ea, eb, ckksKeys)
    expect(
      maxAbsError(
        decryptVector(ckks, ckksKeys, product),
        a.map((v, i) => v * b[i]!),
      ),
    ).toBeLessThan(1e-5)
    const plain = multiplyPlain(ckks, ea, b)
    expect(
      maxAbsError(
        decryptVector(ckks, ckksKeys, plain),
        a.map((v, i) => v * b[i]!),
      ),
    ).toBeLessThan(1e-5)
    // Operands at different levels are aligned first.
    const mixed = addVectors(ckks, product, ea)
    expect(
      maxAbsError(
        decryptVector(ckks, ckksKeys, mixed),
        a.map((v, i) => v * b[i]! + v),
      ),
    ).toBeLessThan(1e-5)
    for (const v of [ea, eb, product, plain, mixed]) v.delete()
  })

  it('encrypts a matrix of any size and applies a plaintext matrix to an encrypted vector', () => {
    const m = { rows: 3, columns: 5, values: values(15, (i) => ((i % 7) - 3) / 4) }
    const enc = encryptMatrix(ckks, ckksKeys, m)
    const back = decryptMatrix(ckks, ckksKeys, enc)
    expect(back.rows).toBe(3)
    expect(maxAbsError(back.values, m.values)).toBeLessThan(1e-6)
    enc.vector.delete()

    const keys = generateKeys(ckks, { galoisSteps: linearTransformSteps(m) })
    const x = [0.5, -0.25, 0.75, 1, -1]
    const ex = encryptVector(ckks, keys, replicateForTransform(x, 5))
    const y = linearTransform(ckks, m, ex, keys)
    const expected = [0, 1, 2].map((r) => x.reduce((s, v, c) => s + v * m.values[r * 5 + c]!, 0))
    expect(maxAbsError(decryptVector(ckks, keys, y), expected)).toBeLessThan(1e-5)
    ex.delete()
    y.delete()
    deleteKeys(keys)
  })
})

describe('sigmoid approximation and secure logistic inference', () => {
  it('stays within the documented error on its range', () => {
    for (const [name, a] of Object.entries(SIGMOID_APPROXIMATIONS)) {
      let worst = 0
      for (let x = a.range[0]; x <= a.range[1]; x += 0.01) {
        worst = Math.max(worst, Math.abs(approximateSigmoid(x, name as 'cubic-8') - 1 / (1 + Math.exp(-x))))
      }
      expect(worst).toBeLessThanOrEqual(a.maxError + 1e-3)
      expect(worst).toBeGreaterThan(a.maxError - 0.01)
    }
  })

  it('predicts on encrypted features as the plaintext polynomial does, within 1e-3', () => {
    const ctx = HeContext.create(seal, HE_PRESETS['ckks-8192-depth3'])
    const features = [0.3, -1.2, 0.8, 0.05, -0.4, 1.5, -0.7]
    const model = { weights: [1.1, 0.4, -0.9, 2.0, 0.3, 0.6, -1.4], bias: -0.2 }
    const keys = generateKeys(ctx, { relin: true, galoisSteps: inferenceSteps(features.length) })
    // The model holder gets evaluation keys only.
    const evaluationKeys = importKeys(ctx, exportKeys(ctx, keys, ['relinKeys', 'galoisKeys']))
    expect(evaluationKeys.secretKey).toBeNull()
    const x = encryptVector(ctx, keys, features)
    const wire = serializeVector(ctx, x)
    const atModel = deserializeVector(ctx, wire)
    const out = secureLogisticInference(ctx, model, atModel, evaluationKeys)
    const encrypted = decryptVector(ctx, keys, out)[0]!
    const logit = features.reduce((s, v, i) => s + v * model.weights[i]!, model.bias)
    expect(Math.abs(encrypted - approximateSigmoid(logit))).toBeLessThan(1e-3)
    expect(Math.abs(encrypted - 1 / (1 + Math.exp(-logit)))).toBeLessThan(
      SIGMOID_APPROXIMATIONS['cubic-8'].maxError,
    )
    for (const v of [x, atModel, out]) v.delete()
    deleteKeys(keys)
    deleteKeys(evaluationKeys)
    ctx.delete()
  })

  it('refuses a context too shallow for the cubic', () => {
    const keys = generateKeys(ckks, { relin: true, galoisSteps: inferenceSteps(3) })
    const x = encryptVector(ckks, keys, [0.1, 0.2, 0.3])
    const error = heError(() => secureLogisticInference(ckks, { weights: [1, 1, 1], bias: 0 }, x, keys))
    expect(error.code).toBe('invalid-parameters')
    expect(error.message).toContain('depth3')
    x.delete()
    deleteKeys(keys)
  })
})

describe('bad parameters and mismatches get clear errors, never a WASM abort', () => {
  it('refuses a coefficient modulus over the 128-bit limit', () => {
    const error = heError(() =>
      HeContext.create(seal, {
        scheme: 'ckks',
        polyModulusDegree: 4096,
        coeffModulusBits: [60, 60],
        scaleBits: 40,
      }),
    )
    expect(error.code).toBe('invalid-parameters')
    expect(error.message).toMatch(/120 bits.*limit of 109 bits for N = 4096/)
    expect(
      heError(() => validateParameters({ ...HE_PRESETS['bfv-8192'], polyModulusDegree: 3000 })).message,
    ).toContain('3000')
    expect(heError(() => validateParameters({ ...HE_PRESETS['bfv-8192'], plainModulusBits: 61 })).code).toBe(
      'invalid-parameters',
    )
  })

  it('refuses a vector longer than a transform allows', () => {
    const keys = generateKeys(ckks, { galoisSteps: [1, 2] })
    const x = encryptVector(ckks, keys, new Float64Array(5000))
    const error = heError(() =>
      linearTransform(ckks, { rows: 3, columns: 3, values: new Float64Array(9) }, x, keys),
    )
    expect(error.code).toBe('too-long')
    x.delete()
    deleteKeys(keys)
  })

  it('refuses ciphertexts and keys of another context or key', () => {
    const x = encryptVector(bfv, bfvKeys, [1, 2, 3])
    expect(heError(() => decryptVector(ckks, ckksKeys, x)).code).toBe('context-mismatch')
    const other = generateKeys(bfv)
    const error = heError(() => decryptVector(bfv, other, x))
    expect(error.code).toBe('key-mismatch')
    const y = encryptVector(bfv, other, [1, 2, 3])
    expect(heError(() => addVectors(bfv, x, y)).code).toBe('key-mismatch')
    // Bytes of a BFV ciphertext presented as a CKKS one (the tag forged): SEAL's check becomes a clear error.
    const forged = { ...serializeVector(bfv, x), contextId: ckks.id }
    const loadError = heError(() => deserializeVector(ckks, forged))
    expect(loadError.code).toBe('bad-ciphertext')
    expect(loadError.message).toContain('ciphertext 0')
    const truncated = serializeVector(bfv, x)
    expect(
      heError(() =>
        deserializeVector(bfv, { ...truncated, ciphertexts: [truncated.ciphertexts[0]!.slice(0, 100)] }),
      ).code,
    ).toBe('bad-ciphertext')
    const keyBytes = exportKeys(bfv, other, ['publicKey'])
    expect(heError(() => importKeys(ckks, { ...keyBytes, contextId: ckks.id })).code).toBe('key-mismatch')
    expect(heError(() => exportKeys(bfv, { ...other, secretKey: null }, ['secretKey'])).code).toBe(
      'missing-key',
    )
    x.delete()
    expect(heError(() => decryptVector(bfv, bfvKeys, x)).code).toBe('deleted')
    y.delete()
    deleteKeys(other)
  })
})
