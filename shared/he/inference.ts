import type { HeContext } from './context'
import { HeError } from './errors'
import type { HeKeySet } from './keys'
import { sealCall } from './seal'
import {
  approximateSigmoid,
  encryptedSigmoid,
  SIGMOID_APPROXIMATIONS,
  type SigmoidApproximation,
} from './sigmoid'
import { addPlain, EncryptedVector, multiplyPlain } from './vector'

/**
 * What the private-inference protocol uses, on both ends: three rescales of depth (the plain product, then the
 * cubic) and the sigmoid valid on [-8, 8].
 */
export const INFERENCE_PRESET = 'ckks-8192-depth3'
export const INFERENCE_SIGMOID: SigmoidApproximation = 'cubic-8'

/**
 * Whether the polynomial stands for the sigmoid at `logit`: inside its fitted range, or null when the logit is not
 * known. Outside it the cubic leaves [0, 1] fast (about -19,000 at a logit of 230), so the decrypted value is not a
 * probability and the page must say so.
 */
export function sigmoidOutOfRange(
  logit: number | null,
  approximation: SigmoidApproximation = INFERENCE_SIGMOID,
): { range: readonly [number, number] } | null {
  const [low, high] = SIGMOID_APPROXIMATIONS[approximation].range
  return logit !== null && (logit < low || logit > high) ? { range: [low, high] } : null
}

/**
 * The values the polynomial takes while the logit stays in its fitted range: the cubic at the range's ends and at
 * its turning points +-sqrt(-c1 / (3 c3)) where those lie inside (cubic-8: about [-0.061, 1.061]).
 */
export function sigmoidImage(
  approximation: SigmoidApproximation = INFERENCE_SIGMOID,
): readonly [number, number] {
  const { c1, c3, range } = SIGMOID_APPROXIMATIONS[approximation]
  const turn = Math.sqrt(-c1 / (3 * c3))
  const points = [range[0], range[1], ...(turn < range[1] ? [turn, -turn] : [])]
  const values = points.map((x) => approximateSigmoid(x, approximation))
  return [Math.min(...values), Math.max(...values)]
}

/** Slack for the CKKS error of a decrypted prediction (about 1e-6 at ckks-8192-depth3), well above it. */
const DECRYPTION_SLACK = 1e-3

/**
 * A warning for a private prediction, for the caller to show beside it, or null. With the logit known (the tab holds
 * the model): whether it left the polynomial's fitted range. Without it (only the decrypted value): a value the
 * polynomial cannot reach with the logit in range proves the logit left it. Inside that image nothing can be
 * concluded from the value alone, so no warning is a weaker statement without the logit.
 */
export function predictionWarning(
  decrypted: number,
  logit: number | null,
  approximation: SigmoidApproximation = INFERENCE_SIGMOID,
): string | null {
  const [low, high] = SIGMOID_APPROXIMATIONS[approximation].range
  const outside = sigmoidOutOfRange(logit, approximation)
  if (outside)
    return `the logit ${logit} is outside [${low}, ${high}], where the ${approximation} polynomial stands for the sigmoid: the value is not a probability`
  const [min, max] = sigmoidImage(approximation)
  if (logit === null && (decrypted < min - DECRYPTION_SLACK || decrypted > max + DECRYPTION_SLACK))
    return `the decrypted value ${decrypted.toPrecision(4)} is outside [${min.toFixed(3)}, ${max.toFixed(3)}], all the ${approximation} polynomial gives for logits in [${low}, ${high}]: the logit left that range and the value is not a probability`
  return null
}

/** Rotation steps the rotate-and-sum of `features` values needs: powers of two below the padded length. */
export function inferenceSteps(features: number): number[] {
  const steps: number[] = []
  for (let s = 1; s < features; s *= 2) steps.push(s)
  return steps
}

/**
 * Logistic regression on encrypted features: sigma~(w . x + b) with the cubic sigmoid, slot 0 of the result. The
 * model holder runs this with only evaluation keys (relinearization, and Galois keys for `inferenceSteps`); the
 * key holder decrypts. Depth 3: the plain product, then the cubic (preset ckks-8192-depth3). The other slots hold
 * partial sums of w * x and are not meant to be read.
 */
export function secureLogisticInference(
  ctx: HeContext,
  model: { readonly weights: ArrayLike<number>; readonly bias: number },
  x: EncryptedVector,
  keys: HeKeySet,
  approximation: SigmoidApproximation = 'cubic-8',
): EncryptedVector {
  if (!ctx.ckksEncoder) throw new HeError('invalid-parameters', 'secure inference needs a CKKS context')
  if (x.ciphertexts.length !== 1) {
    throw new HeError(
      'too-long',
      `secure inference reads one ciphertext; ${x.length} features need ${x.ciphertexts.length}`,
    )
  }
  if (model.weights.length !== x.length) {
    throw new HeError(
      'too-long',
      `the model has ${model.weights.length} weights for ${x.length} encrypted features`,
    )
  }
  if (keys.keyId !== x.keyId)
    throw new HeError('key-mismatch', `evaluation keys ${keys.keyId} do not match the input's key ${x.keyId}`)
  if (x.length > 1 && !keys.galoisKeys)
    throw new HeError('missing-key', 'secure inference needs Galois keys for the rotate-and-sum')
  const products = multiplyPlain(ctx, x, model.weights)
  try {
    const acc = products.ciphertexts[0]!
    for (const step of inferenceSteps(x.length).reverse()) {
      const rotated = new ctx.seal.Ciphertext()
      try {
        sealCall(
          ctx.seal,
          `rotation by ${step}`,
          () => ctx.evaluator.rotateVector(acc, step, keys.galoisKeys!, rotated),
          'missing-key',
        )
        ctx.evaluator.addInplace(acc, rotated)
      } finally {
        rotated.delete()
      }
    }
    const logit = addPlain(ctx, products, new Float64Array(x.length).fill(model.bias))
    try {
      const out = encryptedSigmoid(ctx, logit.ciphertexts[0]!, keys, approximation)
      return new EncryptedVector(ctx.id, x.keyId, 1, [out])
    } finally {
      logit.delete()
    }
  } finally {
    products.delete()
  }
}
