import * as tf from '@tensorflow/tfjs'
import type { TaskInfo } from '../../shared/protocol'
import { buildModel, writeWeights } from './tfjs-model'

/** The files a trained model is saved as, side by side: model.json names weights.bin in its weights manifest. */
export const MODEL_FILES = { model: 'model.json', weights: 'weights.bin', schema: 'schema.json' } as const

/** A model in the TensorFlow.js layers format, with the task schema that encodes a row into its inputs. */
export interface ExportedModel {
  /** model.json: topology and weights manifest (`tf.loadLayersModel` reads it). */
  readonly modelJson: string
  /** weights.bin: float32, little-endian, in `weightShapes` order. */
  readonly weights: Uint8Array
  /** schema.json: the task schema (declared ranges and categories scale inputs as the tabs did); null without one. */
  readonly schema: string | null
}

/**
 * The TensorFlow.js files of a task's model with `weights`, as `model.save('file://…')` or `'downloads://…'` would
 * write them, built in memory so the same bytes come out in Node (the command line's `--out`) and in a page (the
 * coordinator page's download). Loading model.json and weights.bin with `tf.loadLayersModel` gives back a model
 * that predicts exactly as the task's model with these weights.
 */
export async function exportModel(task: TaskInfo, weights: Float32Array): Promise<ExportedModel> {
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
    return {
      modelJson: `${JSON.stringify(modelJson)}\n`,
      weights: new Uint8Array(new tf.io.CompositeArrayBuffer(artifacts.weightData).slice()),
      schema: task.dataset.kind === 'csv' ? `${JSON.stringify(task.dataset.schema, null, 2)}\n` : null,
    }
  } finally {
    model.dispose()
  }
}
