import * as tf from '@tensorflow/tfjs'
import { parameterCount } from '../../shared/model/spec'
import type { TaskInfo } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import { readWeights } from './tfjs-model'

/**
 * A saved model (model.json + weights.bin, and optionally its schema.json, as the coordinator page and `privx --out`
 * write them) read in a tab, as the task's flat weights: refused with the reason when a file is missing, the schema
 * is not this task's (the model would read inputs another way), or the model's weights do not fit the task's model.
 */
export async function readSavedModel(files: readonly File[], task: TaskInfo): Promise<Result<Float32Array>> {
  const texts = await Promise.all(
    files.filter((f) => f.name.endsWith('.json')).map(async (file) => ({ file, text: await file.text() })),
  )
  const parsed = texts.map(({ file, text }) => {
    try {
      return { file, json: JSON.parse(text) as Record<string, unknown> }
    } catch {
      return { file, json: null }
    }
  })
  const modelFile = parsed.find((p) => p.json && 'modelTopology' in p.json)?.file
  const schema = parsed.find((p) => p.json && 'features' in p.json && 'label' in p.json)?.json
  const weightsFile = files.find((f) => f.name.endsWith('.bin'))
  if (!modelFile || !weightsFile)
    return fail('bad-payload', 'choose the saved model.json and weights.bin together (and its schema.json)')
  if (schema && task.dataset.kind === 'csv' && JSON.stringify(schema) !== JSON.stringify(task.dataset.schema))
    return fail(
      'wrong-shape',
      `the model's schema.json is not this task's schema: it would read this tab's rows another way`,
    )
  let model: tf.LayersModel
  try {
    model = await tf.loadLayersModel(tf.io.browserFiles([modelFile, weightsFile]))
  } catch (error) {
    return fail('bad-payload', `${modelFile.name}: ${error instanceof Error ? error.message : String(error)}`)
  }
  try {
    const weights = await readWeights(model)
    const expected = parameterCount(task.model)
    if (weights.length !== expected)
      return fail(
        'wrong-shape',
        `the saved model has ${weights.length} weights; this task's model has ${expected}`,
      )
    return ok(weights)
  } finally {
    model.dispose()
  }
}
