import type { Ciphertext } from 'node-seal'
import type { HeContext } from './context'
import { HeError } from './errors'
import type { HeKeySet } from './keys'
import { sealCall } from './seal'
import { alignLevels, decryptVector, EncryptedVector, encryptVector, plainFor } from './vector'

/** A row-major matrix: `rows * columns` values. */
export interface Matrix {
  readonly rows: number
  readonly columns: number
  readonly values: ArrayLike<number>
}

function checkMatrix(m: Matrix): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.columns) || m.rows < 1 || m.columns < 1) {
    throw new HeError('invalid-parameters', `matrix shape ${m.rows}x${m.columns} must be positive integers`)
  }
  if (m.values.length !== m.rows * m.columns) {
    throw new HeError(
      'too-long',
      `a ${m.rows}x${m.columns} matrix needs ${m.rows * m.columns} values, got ${m.values.length}`,
    )
  }
}

/** Encrypts a matrix row-major (split across as many ciphertexts as it needs); `decryptMatrix` restores the shape. */
export function encryptMatrix(
  ctx: HeContext,
  keys: HeKeySet,
  m: Matrix,
): { shape: [number, number]; vector: EncryptedVector } {
  checkMatrix(m)
  return { shape: [m.rows, m.columns], vector: encryptVector(ctx, keys, m.values) }
}

export function decryptMatrix(
  ctx: HeContext,
  keys: HeKeySet,
  encrypted: { shape: [number, number]; vector: EncryptedVector },
): Matrix {
  const [rows, columns] = encrypted.shape
  return { rows, columns, values: decryptVector(ctx, keys, encrypted.vector) }
}

/** Side of the square a `rows x columns` matrix is padded to for the diagonal method. */
export function transformDimension(m: { rows: number; columns: number }): number {
  return Math.max(m.rows, m.columns)
}

/** Rotation steps (Galois keys) a transform of this shape needs: 1 .. d-1. */
export function linearTransformSteps(m: { rows: number; columns: number }): number[] {
  return Array.from({ length: transformDimension(m) - 1 }, (_, i) => i + 1)
}

/**
 * The layout `linearTransform` reads: x zero-padded to d values and repeated twice, so that a rotation by k < d reads
 * x[(i + k) mod d] in slot i.
 */
export function replicateForTransform(x: ArrayLike<number>, d: number): Float64Array {
  if (x.length > d) throw new HeError('too-long', `input of ${x.length} values for a transform of width ${d}`)
  const out = new Float64Array(2 * d)
  for (let i = 0; i < x.length; i++) {
    out[i] = x[i]!
    out[d + i] = x[i]!
  }
  return out
}

/**
 * y = M x for a plaintext matrix M and an encrypted x, by the diagonal method (Halevi and Shoup 2014, "Algorithms
 * in HElib", section 4.1): y = sum over k of diag_k * rot(x, k), with diag_k[i] = M[i][(i + k) mod d]. One plain
 * multiplication of depth; needs Galois keys for steps 1 .. d-1 (`linearTransformSteps`). `x` must be in the
 * `replicateForTransform` layout; the result holds y in its first `rows` slots. CKKS only (reals).
 */
export function linearTransform(
  ctx: HeContext,
  m: Matrix,
  x: EncryptedVector,
  keys: HeKeySet,
): EncryptedVector {
  checkMatrix(m)
  if (!ctx.ckksEncoder) throw new HeError('invalid-parameters', 'linearTransform needs a CKKS context')
  ctx.check(x.contextId, 'linear transform input')
  const d = transformDimension(m)
  if (x.length !== 2 * d || x.ciphertexts.length !== 1) {
    throw new HeError(
      'too-long',
      `linearTransform reads x replicated to ${2 * d} values in one ciphertext (replicateForTransform); got ${x.length}`,
    )
  }
  if (2 * d > ctx.slots)
    throw new HeError(
      'too-long',
      `a ${m.rows}x${m.columns} transform needs ${2 * d} slots; this context has ${ctx.slots}`,
    )
  if (d > 1 && !keys.galoisKeys)
    throw new HeError('missing-key', 'linearTransform needs Galois keys for steps 1..d-1')
  if (keys.keyId !== x.keyId)
    throw new HeError('key-mismatch', `Galois keys ${keys.keyId} do not match the input's key ${x.keyId}`)
  const input = x.ciphertexts[0]!
  let acc: Ciphertext | null = null
  const { evaluator } = ctx
  try {
    for (let k = 0; k < d; k++) {
      const diagonal = new Float64Array(d)
      let any = false
      for (let i = 0; i < d; i++) {
        const j = (i + k) % d
        const v = i < m.rows && j < m.columns ? m.values[i * m.columns + j]! : 0
        diagonal[i] = v
        if (v !== 0) any = true
      }
      if (!any) continue
      const rotated = k === 0 ? input.copy() : new ctx.seal.Ciphertext()
      try {
        if (k > 0)
          sealCall(
            ctx.seal,
            `rotation by ${k}`,
            () => evaluator.rotateVector(input, k, keys.galoisKeys!, rotated),
            'missing-key',
          )
        const plain = plainFor(ctx, rotated, diagonal, 0, ctx.scale)
        try {
          sealCall(ctx.seal, 'diagonal product', () => evaluator.multiplyPlainInplace(rotated, plain))
        } finally {
          plain.delete()
        }
        if (acc === null) {
          acc = rotated.copy()
        } else {
          const [l, r] = alignLevels(ctx, acc, rotated)
          evaluator.add(l, r, acc)
          if (r !== rotated) r.delete()
        }
      } finally {
        rotated.delete()
      }
    }
    if (acc === null) {
      acc = new ctx.seal.Ciphertext()
      // An all-zero matrix: x * 0 keeps the result encrypted under the same key.
      const zero = plainFor(ctx, input, new Float64Array(1), 0, ctx.scale)
      evaluator.multiplyPlain(input, zero, acc)
      zero.delete()
    }
    sealCall(ctx.seal, 'rescale', () => evaluator.rescaleToNextInplace(acc!))
  } catch (error) {
    acc?.delete()
    throw error
  }
  return new EncryptedVector(ctx.id, x.keyId, m.rows, [acc])
}
