import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { buildModel, writeWeights } from '../client/training/tfjs-model'
import type { TaskInfo } from '../shared/protocol'

/** The files a trained model is written as, in `dir`. */
export const MODEL_FILES = { model: 'model.json', weights: 'weights.bin', schema: 'schema.json' } as const

/**
 * Writes a trained model in the TensorFlow.js layers format, as tfjs-node's `model.save('file://DIR')` does:
 * model.json (topology and weights manifest) and weights.bin (float32, little-endian, in `weightShapes` order), with
 * schema.json beside them: the task schema whose declared ranges and categories encode a row into the model's inputs
 * (and which `--schema` reads). Returns the paths written.
 */
export async function writeModelFiles(dir: string, task: TaskInfo, weights: Float32Array): Promise<string[]> {
  if (task.dataset.kind !== 'csv') throw new Error('only a CSV task has a schema to write beside its model')
  const model = buildModel(task.model)
  try {
    writeWeights(model, task.model, weights)
    let saved: tf.io.ModelArtifacts | null = null
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
      }),
    )
    const artifacts = saved as tf.io.ModelArtifacts | null
    if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tfjs saved no weights')
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: 'layers-model',
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      weightsManifest: [{ paths: [`./${MODEL_FILES.weights}`], weights: artifacts.weightSpecs }],
    }
    mkdirSync(dir, { recursive: true })
    const paths = [
      join(dir, MODEL_FILES.model),
      join(dir, MODEL_FILES.weights),
      join(dir, MODEL_FILES.schema),
    ]
    writeFileSync(paths[0]!, `${JSON.stringify(modelJson)}\n`)
    writeFileSync(paths[1]!, new Uint8Array(new tf.io.CompositeArrayBuffer(artifacts.weightData).slice()))
    writeFileSync(paths[2]!, `${JSON.stringify(task.dataset.schema, null, 2)}\n`)
    return paths
  } finally {
    model.dispose()
  }
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
