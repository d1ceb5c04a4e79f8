import { bytesOf } from '../../shared/codec'
import type { HeContextCache } from '../../shared/he/context-cache'
import { HeError } from '../../shared/he/errors'
import { INFERENCE_PRESET, INFERENCE_SIGMOID, secureLogisticInference } from '../../shared/he/inference'
import { deleteKeys, importKeys } from '../../shared/he/keys'
import { deserializeVector, serializeVector } from '../../shared/he/wire'
import type { InferenceReply, InferenceRequest, TaskInfo } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'

/**
 * Logistic regression on features encrypted under the requesting tab's own key: the coordinator holds the model
 * and only evaluation keys (relinearization, Galois), so it never sees the features or the prediction.
 */
export function servePrivateInference(
  he: HeContextCache,
  task: TaskInfo,
  model: { readonly version: string; readonly weights: Float32Array; readonly inClear: boolean },
  request: InferenceRequest,
): Result<InferenceReply> {
  if (task.model.kind !== 'logistic' || task.model.classes !== 2) {
    return fail(
      'invalid-state',
      `private inference serves binary logistic-regression tasks; "${task.id}" is ${task.model.kind} with ${task.model.classes} classes`,
    )
  }
  if (!model.inClear) {
    return fail(
      'invalid-state',
      'this task aggregates under encryption: the coordinator does not hold its model, so it cannot serve predictions',
    )
  }
  const features = task.model.inputs
  if (request.length !== features) {
    return fail(
      'wrong-shape',
      `the task's model reads ${features} features; the request encrypts ${request.length}`,
    )
  }
  const ctx = he.context(INFERENCE_PRESET)
  const keys = (() => {
    try {
      return importKeys(ctx, {
        keyId: request.keyId,
        contextId: ctx.id,
        relinKeys: bytesOf(request.relinKeys),
        galoisKeys: bytesOf(request.galoisKeys),
      })
    } catch (error) {
      return error instanceof HeError ? error : new HeError('key-mismatch', String(error))
    }
  })()
  if (keys instanceof HeError) return fail('bad-payload', `evaluation keys: ${keys.message}`)
  try {
    const input = deserializeVector(ctx, {
      contextId: ctx.id,
      keyId: request.keyId,
      length: request.length,
      ciphertexts: request.ciphertexts.map(bytesOf),
    })
    try {
      const weights = model.weights.subarray(0, features)
      const bias = model.weights[features]!
      const out = secureLogisticInference(ctx, { weights, bias }, input, keys, INFERENCE_SIGMOID)
      try {
        return ok({
          modelVersion: model.version,
          ciphertexts: serializeVector(ctx, out).ciphertexts,
          sigmoid: INFERENCE_SIGMOID,
        })
      } finally {
        out.delete()
      }
    } finally {
      input.delete()
    }
  } catch (error) {
    if (error instanceof HeError) return fail('bad-payload', `private inference: ${error.message}`)
    throw error
  } finally {
    deleteKeys(keys)
  }
}
