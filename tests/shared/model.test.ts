import { describe, expect, it } from 'vitest'
import { initialWeights } from '../../shared/model/init'
import { describeModel, parameterCount, weightShapes } from '../../shared/model/spec'
import { modelVersion } from '../../shared/model/version'
import { seededRandom } from '../../shared/random'

describe('model spec', () => {
  it('lays out an MLP as kernel, bias per dense layer', () => {
    const spec = { kind: 'mlp', inputs: 8, hidden: [16, 8], activation: 'relu', classes: 2 } as const
    expect(weightShapes(spec)).toEqual([[8, 16], [16], [16, 8], [8], [8, 1], [1]])
    expect(parameterCount(spec)).toBe(8 * 16 + 16 + 16 * 8 + 8 + 8 + 1)
    expect(describeModel(spec)).toBe('MLP 8-16-8-1 (relu), 289 parameters')
  })

  it('gives multi-class logistic regression one output per class', () => {
    expect(weightShapes({ kind: 'logistic', inputs: 4, classes: 3 })).toEqual([[4, 3], [3]])
  })

  it('initialises Glorot-uniform kernels within their limit and zero biases, reproducibly', () => {
    const spec = { kind: 'logistic', inputs: 6, classes: 2 } as const
    const w = initialWeights(spec, seededRandom(5))
    const limit = Math.sqrt(6 / 7)
    expect(w.slice(0, 6).every((v) => Math.abs(v) <= limit && v !== 0)).toBe(true)
    expect(w[6]).toBe(0)
    expect(Array.from(initialWeights(spec, seededRandom(5)))).toEqual(Array.from(w))
  })

  it('versions name the round and the weights digest', () => {
    const a = Float32Array.from([1, 2, 3])
    expect(modelVersion(3, a)).toMatch(/^r3-[0-9a-f]{12}$/)
    expect(modelVersion(3, a)).not.toBe(modelVersion(3, Float32Array.from([1, 2, 3.0001])))
  })
})
