import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { exportModel, MODEL_FILES } from '../client/training/model-export'
import type { TaskInfo } from '../shared/protocol'

export { MODEL_FILES }

/**
 * Writes a trained model in the TensorFlow.js layers format, as tfjs-node's `model.save('file://DIR')` does
 * (`exportModel`, the same bytes the coordinator page saves): model.json (topology and weights manifest) and
 * weights.bin (float32, little-endian, in `weightShapes` order), with schema.json beside them: the task schema whose
 * declared ranges and categories encode a row into the model's inputs (and which `--schema` reads). Returns the
 * paths written.
 */
export async function writeModelFiles(dir: string, task: TaskInfo, weights: Float32Array): Promise<string[]> {
  if (task.dataset.kind !== 'csv') throw new Error('only a CSV task has a schema to write beside its model')
  const files = await exportModel(task, weights)
  mkdirSync(dir, { recursive: true })
  const paths = [join(dir, MODEL_FILES.model), join(dir, MODEL_FILES.weights), join(dir, MODEL_FILES.schema)]
  writeFileSync(paths[0]!, files.modelJson)
  writeFileSync(paths[1]!, files.weights)
  writeFileSync(paths[2]!, files.schema ?? '')
  return paths
}

/**
 * Lets `tf.loadLayersModel('file://DIR/model.json')` read such files in Node with plain @tensorflow/tfjs (tfjs-node
 * registers the same scheme itself). Registered once per process; model.json's weights manifest names the files.
 */
export function registerFileLoader(): void {
  if (registered) return
  registered = true
  tf.io.registerLoadRouter((url): tf.io.IOHandler => {
    const path = Array.isArray(url) ? null : url.startsWith('file://') ? fileURLToPath(url) : null
    // The registry skips a router that returns null (its type says IOHandler).
    if (!path) return null as unknown as tf.io.IOHandler
    return {
      load: async () => {
        const json = JSON.parse(readFileSync(path, 'utf8')) as tf.io.ModelJSON
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const specs = manifest.flatMap((group) => group.weights)
          const buffers = manifest.flatMap((group) =>
            group.paths.map((p) => new Uint8Array(readFileSync(join(dirname(path), p)))),
          )
          const data = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0))
          let offset = 0
          for (const b of buffers) {
            data.set(b, offset)
            offset += b.length
          }
          return [specs, data.buffer]
        })
      },
    }
  })
}
let registered = false
