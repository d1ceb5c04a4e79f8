import type { RandomSource } from '../random'
import { denseLayers, type ModelSpec, parameterCount } from './spec'

/**
 * Initial global weights: Glorot-uniform kernels (Glorot and Bengio 2010, limit sqrt(6 / (fanIn + fanOut)),
 * the tfjs Dense default) and zero biases, laid out as `weightShapes(spec)`.
 */
export function initialWeights(spec: ModelSpec, random: RandomSource): Float32Array {
  const weights = new Float32Array(parameterCount(spec))
  let offset = 0
  for (const layer of denseLayers(spec)) {
    const limit = Math.sqrt(6 / (layer.inputs + layer.units))
    const kernelSize = layer.inputs * layer.units
    for (let i = 0; i < kernelSize; i++) weights[offset + i] = (random() * 2 - 1) * limit
    offset += kernelSize + layer.units
  }
  return weights
}
