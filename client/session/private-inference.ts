import { bytesOf } from '../../shared/codec'
import { errorMessage } from '../../shared/errors'
import { HeContextCache } from '../../shared/he/context-cache'
import { INFERENCE_PRESET, inferenceSteps, predictionWarning } from '../../shared/he/inference'
import { deleteKeys, exportKeys, generateKeys, type HeKeySet } from '../../shared/he/keys'
import { loadSeal } from '../../shared/he/seal'
import { approximateSigmoid, type SigmoidApproximation } from '../../shared/he/sigmoid'
import { decryptVector, encryptVector } from '../../shared/he/vector'
import { deserializeVector, serializeVector } from '../../shared/he/wire'
import type { Result } from '../../shared/result'
import type { ClientSocket } from './client-socket'
import { type RequestError, request, unanswered } from './request'

/** Wait for the coordinator's answer: evaluating a prediction under encryption takes a while. */
const TIMEOUT_MS = 60_000

/** The value, or a throw: a refusal as "code: message", a missing answer with what was thrown; `cause` is the error. */
function orThrow<T>(result: Result<T, RequestError>): T {
  if (result.ok) return result.value
  const { error } = result
  if (unanswered(error)) throw new Error(errorMessage(error.cause), { cause: error.cause })
  throw new Error(`${error.code}: ${error.message}`, { cause: error })
}

export interface PrivatePrediction {
  /** The probability the model holder computed on the encrypted features, decrypted here. */
  readonly encrypted: number
  readonly modelVersion: string
  readonly sigmoid: SigmoidApproximation
  /**
   * Set when the decrypted value proves the logit left the polynomial's valid range ([-8, 8] for cubic-8): the
   * value is then not a probability, and the page must say so (`predictionWarning`; with the model in the clear,
   * the page checks the logit itself).
   */
  readonly warning: string | null
  readonly ms: number
  readonly bytesSent: number
  readonly bytesReceived: number
}

/** The plaintext predictions to set beside it: the exact logistic output and the polynomial the server used. */
export function plaintextPrediction(
  weights: Float32Array,
  features: readonly number[],
  sigmoid: SigmoidApproximation,
): { exact: number; polynomial: number; logit: number } {
  const logit = features.reduce((s, v, i) => s + v * weights[i]!, weights[features.length]!)
  return { exact: 1 / (1 + Math.exp(-logit)), polynomial: approximateSigmoid(logit, sigmoid), logit }
}

let cache: Promise<HeContextCache> | null = null
/** The inference key of this page: made once (Galois keys take a moment), reused for every prediction. */
const inferenceKeys = new Map<number, HeKeySet>()

/**
 * Asks the coordinator for the model's prediction on `features` (the model's inputs, already encoded from real
 * units by `encodeRawRow`) encrypted under this tab's own CKKS key. The
 * coordinator receives ciphertexts and evaluation keys (relinearization, Galois), never the secret key, so it sees
 * neither the features nor the prediction.
 */
export async function predictPrivately(
  socket: ClientSocket,
  taskId: string,
  features: readonly number[],
): Promise<PrivatePrediction> {
  const bad = features.findIndex((v) => !Number.isFinite(v))
  if (bad !== -1) throw new Error(`model input ${bad + 1} is ${features[bad]}, not a finite number`)
  cache ??= loadSeal().then((seal) => new HeContextCache(seal))
  const ctx = (await cache).context(INFERENCE_PRESET)
  let keys = inferenceKeys.get(features.length)
  if (!keys) {
    keys = generateKeys(ctx, { relin: true, galoisSteps: inferenceSteps(features.length) })
    inferenceKeys.set(features.length, keys)
  }
  const started = performance.now()
  const input = encryptVector(ctx, keys, features)
  const wire = serializeVector(ctx, input)
  input.delete()
  const evaluation = exportKeys(ctx, keys, ['relinKeys', 'galoisKeys'])
  const inference = {
    taskId,
    keyId: keys.keyId,
    relinKeys: evaluation.relinKeys!,
    galoisKeys: evaluation.galoisKeys!,
    length: features.length,
    ciphertexts: [...wire.ciphertexts],
  }
  const bytesSent =
    inference.relinKeys.byteLength + inference.galoisKeys.byteLength + wire.ciphertexts[0]!.byteLength
  // The Galois keys are the largest frame: room for it first (one of the coordinator's upload slots).
  const largest = Math.max(inference.relinKeys.byteLength, inference.galoisKeys.byteLength)
  orThrow(
    await request(
      socket,
      'client:upload',
      { kind: 'inference', taskId, bytes: largest },
      { timeoutMs: TIMEOUT_MS },
    ),
  )
  const reply = orThrow(await request(socket, 'client:infer', inference, { timeoutMs: TIMEOUT_MS }))
  const ciphertexts = reply.ciphertexts.map(bytesOf)
  const out = deserializeVector(ctx, { contextId: ctx.id, keyId: keys.keyId, length: 1, ciphertexts })
  try {
    const [probability] = decryptVector(ctx, keys, out)
    const sigmoid = reply.sigmoid as SigmoidApproximation
    return {
      encrypted: probability!,
      modelVersion: reply.modelVersion,
      sigmoid,
      warning: predictionWarning(probability!, null, sigmoid),
      ms: performance.now() - started,
      bytesSent,
      bytesReceived: ciphertexts.reduce((n, c) => n + c.byteLength, 0),
    }
  } finally {
    out.delete()
  }
}

/** Frees the page's inference keys (e.g. when the page closes). */
export function releaseInferenceKeys(): void {
  for (const keys of inferenceKeys.values()) deleteKeys(keys)
  inferenceKeys.clear()
}
