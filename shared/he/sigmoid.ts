import type { Ciphertext } from 'node-seal'
import type { HeContext } from './context'
import { HeError } from './errors'
import type { HeKeySet } from './keys'
import { sealCall } from './seal'
import { alignLevels, plainFor } from './vector'

/**
 * Odd cubic approximations of the logistic function, sigma(x) ~ 0.5 + c1 x + c3 x^3, valid on `range` only (outside
 * it the cubic turns back and the error grows without bound). Kim et al. 2018 ("Logistic regression model training
 * based on the approximate homomorphic encryption", BMC Med. Genomics) fit [-5, 5]; the [-8, 8] one is the
 * least-squares cubic (../shared/reference/privacy.md).
 */
export const SIGMOID_APPROXIMATIONS = {
  'cubic-5': { c1: 0.197, c3: -0.004, range: [-5, 5], maxError: 0.051 },
  'cubic-8': { c1: 0.15012, c3: -0.001593, range: [-8, 8], maxError: 0.114 },
} as const

export type SigmoidApproximation = keyof typeof SIGMOID_APPROXIMATIONS

/** The polynomial in plaintext, to compare with the encrypted result. */
export function approximateSigmoid(x: number, approximation: SigmoidApproximation = 'cubic-8'): number {
  const { c1, c3 } = SIGMOID_APPROXIMATIONS[approximation]
  return 0.5 + c1 * x + c3 * x * x * x
}

function constant(ctx: HeContext, at: Ciphertext, value: number, scale: number) {
  return plainFor(ctx, at, new Float64Array(ctx.slots).fill(value), 0, scale)
}

function mulConstant(ctx: HeContext, x: Ciphertext, value: number): Ciphertext {
  const plain = constant(ctx, x, value, ctx.scale)
  const out = new ctx.seal.Ciphertext()
  try {
    ctx.evaluator.multiplyPlain(x, plain, out)
    ctx.evaluator.rescaleToNextInplace(out)
  } finally {
    plain.delete()
  }
  return out
}

/**
 * The cubic sigmoid on every slot of a CKKS ciphertext: three levels of depth (x^2, c3 x, then their product).
 * Needs relinearization keys. Returns a new ciphertext; `x` is left as it was.
 */
export function encryptedSigmoid(
  ctx: HeContext,
  x: Ciphertext,
  keys: HeKeySet,
  approximation: SigmoidApproximation = 'cubic-8',
): Ciphertext {
  if (!ctx.ckksEncoder) throw new HeError('invalid-parameters', 'the encrypted sigmoid needs a CKKS context')
  if (!keys.relinKeys) throw new HeError('missing-key', 'the encrypted sigmoid needs relinearization keys')
  const levelsLeft = ctx.context.getContextData(x.parmsId()).chainIndex()
  if (levelsLeft < 2) {
    throw new HeError(
      'invalid-parameters',
      `the cubic sigmoid needs 2 more rescales, the input has ${levelsLeft} left (use a deeper preset such as ckks-8192-depth3)`,
    )
  }
  const { c1, c3 } = SIGMOID_APPROXIMATIONS[approximation]
  const { evaluator } = ctx
  const temps: Ciphertext[] = []
  const keep = <T extends Ciphertext>(c: T): T => {
    temps.push(c)
    return c
  }
  try {
    return sealCall(ctx.seal, 'encrypted sigmoid', () => {
      const square = keep(new ctx.seal.Ciphertext())
      evaluator.square(x, square)
      evaluator.relinearizeInplace(square, keys.relinKeys!)
      evaluator.rescaleToNextInplace(square)
      const cubicTerm = keep(mulConstant(ctx, x, c3))
      const [a, b] = alignLevels(ctx, square, cubicTerm)
      if (a !== square) keep(a)
      if (b !== cubicTerm) keep(b)
      const cube = new ctx.seal.Ciphertext()
      evaluator.multiply(a, b, cube)
      evaluator.relinearizeInplace(cube, keys.relinKeys!)
      evaluator.rescaleToNextInplace(cube)
      const linear = keep(mulConstant(ctx, x, c1))
      const [l, r] = alignLevels(ctx, linear, cube)
      if (l !== linear) keep(l)
      if (r !== cube) keep(r)
      const sum = new ctx.seal.Ciphertext()
      evaluator.add(l, r, sum)
      cube.delete()
      const half = constant(ctx, sum, 0.5, sum.scale())
      evaluator.addPlainInplace(sum, half)
      half.delete()
      return sum
    })
  } finally {
    for (const t of temps) t.delete()
  }
}
