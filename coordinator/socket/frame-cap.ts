import { inferenceSteps } from '../../shared/he/inference'
import { ciphertextByteBound, presetFor } from '../../shared/he/limits'
import { parameterCount } from '../../shared/model/spec'
import type { TaskInfo } from '../../shared/protocol'
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
 * The largest single frame a peer may legally send to a coordinator serving `tasks`. socket.io sends every binary
 * attachment in a frame of its own, so this is the largest legal part: a plain update's delta, one ciphertext of an
 * encrypted update, the Galois keys of a private prediction on a logistic task, a sealed copy, or the JSON text.
 */
export function largestLegalFrame(tasks: readonly TaskInfo[], settings: FrameCapSettings): number {
  let cap = Math.max(settings.textFrameBytes, settings.copyBytes)
  for (const task of tasks) {
    cap = Math.max(cap, parameterCount(task.model) * 4 + MESSAGE_OVERHEAD_BYTES)
    if (!settings.encryption) continue
    cap = Math.max(cap, ciphertextByteBound(presetFor('bfv')), ciphertextByteBound(presetFor('ckks')))
    if (task.model.kind === 'logistic')
      cap = Math.max(
        cap,
        inferenceSteps(task.features.length).length * GALOIS_BYTES_PER_STEP,
        RELIN_KEY_BYTES,
      )
  }
  return cap
}
