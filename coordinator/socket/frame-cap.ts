import { inferenceSteps } from '../../shared/he/inference'
import { ciphertextByteBound, presetFor } from '../../shared/he/limits'
import { parameterCount } from '../../shared/model/spec'
import type { TaskInfo, UploadKind } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import { MESSAGE_OVERHEAD_BYTES } from '../task-registry'

/**
 * Serialized size of one Galois key of the inference preset (ckks-8192-depth3), and of its relinearization keys:
 * measured 1,834,919 to 1,838,708 bytes per rotation step with node-seal 7 (SEAL 4.1, zstd), rounded up.
 */
const GALOIS_BYTES_PER_STEP = 1_900_000
const RELIN_KEY_BYTES = 1_900_000

export interface FrameCapSettings {
  /** SEAL loaded: encrypted updates and private predictions are legal. */
  readonly encryption: boolean
  /** Largest JSON part of any event. */
  readonly textFrameBytes: number
  /** Largest sealed anonymized copy the market relays. */
  readonly copyBytes: number
}

/**
 * The frame every connection may send without asking: the JSON text of any event, or one ciphertext of an encrypted
 * update (socket.io sends each binary attachment in a frame of its own).
 */
export function baseFrameCap(settings: FrameCapSettings): number {
  if (!settings.encryption) return settings.textFrameBytes
  return Math.max(
    settings.textFrameBytes,
    ciphertextByteBound(presetFor('bfv')),
    ciphertextByteBound(presetFor('ckks')),
  )
}

/**
 * The largest legal single frame of one upload: a plain update's delta for `task`, the Galois keys of a private
 * prediction on it (binary logistic tasks, with SEAL), or a sealed copy; a refusal says why none is legal.
 */
export function uploadBound(
  kind: UploadKind,
  task: TaskInfo | undefined,
  settings: FrameCapSettings,
): Result<number> {
  switch (kind) {
    case 'copy':
      return ok(settings.copyBytes)
    case 'update':
      return task
        ? ok(parameterCount(task.model) * 4 + MESSAGE_OVERHEAD_BYTES)
        : fail('bad-payload', 'taskId: an update names its task')
    case 'inference':
      if (!task) return fail('bad-payload', 'taskId: a private prediction names its task')
      if (!settings.encryption)
        return fail('invalid-state', 'this coordinator has no HE runtime (node-seal did not load)')
      if (task.model.kind !== 'logistic' || task.model.classes !== 2)
        return fail(
          'forbidden',
          `private inference serves binary logistic-regression tasks; "${task.id}" is ${task.model.kind} with ${task.model.classes} classes`,
        )
      return ok(
        Math.max(inferenceSteps(task.features.length).length * GALOIS_BYTES_PER_STEP, RELIN_KEY_BYTES),
      )
    default: {
      const _exhaustive: never = kind
      return _exhaustive
    }
  }
}
