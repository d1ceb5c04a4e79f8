import * as tf from '@tensorflow/tfjs'
import { denseLayers, type ModelSpec, weightShapes } from '../../shared/model/spec'

/** Builds the tfjs model a spec describes; its `getWeights()` order matches `weightShapes(spec)`. */
export function buildModel(spec: ModelSpec): tf.Sequential {
  const layers = denseLayers(spec)
  const model = tf.sequential()
  layers.forEach((layer, i) => {
    const last = i === layers.length - 1
    const activation = last
      ? spec.classes === 2
        ? 'sigmoid'
        : 'softmax'
      : spec.kind === 'mlp'
        ? spec.activation
        : 'linear'
    model.add(
      tf.layers.dense({ units: layer.units, activation, ...(i === 0 ? { inputShape: [layer.inputs] } : {}) }),
    )
  })
  return model
}

/** The model's weights as one flat float32 vector. Reads with `await data()` (dataSync misbehaves on webgpu). */
export async function readWeights(model: tf.LayersModel): Promise<Float32Array> {
  const tensors = model.getWeights()
  const parts = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>))
  const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    flat.set(part, offset)
    offset += part.length
  }
  return flat
}

/** Sets the model's weights from a flat vector laid out as `weightShapes(spec)`. */
export function writeWeights(model: tf.LayersModel, spec: ModelSpec, flat: Float32Array): void {
  const shapes = weightShapes(spec)
  const current = model.getWeights()
  if (current.length !== shapes.length) {
    throw new Error(`model has ${current.length} weight tensors, spec describes ${shapes.length}`)
  }
  let offset = 0
  const tensors = shapes.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1)
    if (current[i]!.size !== size)
      throw new Error(`weight ${i}: model has ${current[i]!.size} values, spec ${size}`)
    const tensor = tf.tensor(flat.subarray(offset, offset + size), shape, 'float32')
    offset += size
    return tensor
  })
  if (offset !== flat.length) throw new Error(`weights have ${flat.length} values, the model ${offset}`)
  model.setWeights(tensors)
  for (const t of tensors) t.dispose()
}
