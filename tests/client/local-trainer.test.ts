import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { activateNodeBackend } from '../../client/training/backend-node'
import { LocalTrainer } from '../../client/training/local-trainer'
import { buildModel, readWeights, writeWeights } from '../../client/training/tfjs-model'
import { initialWeights } from '../../shared/model/init'
import { type ModelSpec, parameterCount, weightShapes } from '../../shared/model/spec'
import { seededRandom } from '../../shared/random'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'

beforeAll(async () => {
  await activateNodeBackend('cpu')
})

const settings = { epochs: 3, batchSize: 32, learningRate: 0.02, optimizer: 'adam', dpSgd: null } as const

describe('tfjs model from a spec', () => {
  it('matches the spec layout: weights written are the weights read', async () => {
    const spec: ModelSpec = { kind: 'mlp', inputs: 5, hidden: [7, 3], activation: 'tanh', classes: 4 }
    const model = buildModel(spec)
    expect(model.getWeights().map((w) => w.shape)).toEqual(weightShapes(spec))
    const weights = initialWeights(spec, seededRandom(1)).map((v, i) => v + i * 1e-3)
    writeWeights(model, spec, weights)
    expect(Array.from(await readWeights(model))).toEqual(Array.from(weights))
    expect(() => writeWeights(model, spec, new Float32Array(parameterCount(spec) + 1))).toThrow(/values/)
    model.dispose()
  })
})

describe('LocalTrainer in Node', () => {
  it('trains the demo task: returns a delta and counts, and the loss falls', async () => {
    const task = diabetesDemoTask('logistic', 5)
    const trainer = new LocalTrainer('cpu')
    const data = await trainer.prepare(task, { index: 1, seed: 5 })
    const start = initialWeights(task.model, seededRandom(2))
    const before = await trainer.evaluate(start)
    const progress: number[] = []
    const result = await trainer.train(
      { weights: start, settings },
      (p) => progress.push(p.fraction),
      new AbortController().signal,
    )
    expect(result.examples).toBe(data.trainExamples)
    expect(result.delta.length).toBe(parameterCount(task.model))
    expect(progress.at(-1)).toBeCloseTo(1)
    const trained = start.map((w, i) => w + result.delta[i]!)
    const after = await trainer.evaluate(trained)
    expect(after.lossSum / after.examples).toBeLessThan(before.lossSum / before.examples)
    expect(after.confusion.flat().reduce((a, b) => a + b, 0)).toBe(data.testExamples)
    trainer.dispose()
  })

  it('builds and fits a multi-class MLP from its spec (softmax output, one-hot labels)', async () => {
    const spec: ModelSpec = { kind: 'mlp', inputs: 8, hidden: [8], activation: 'relu', classes: 3 }
    const model = buildModel(spec)
    const xs = tf.randomNormal([60, 8])
    const ys = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: 60 }, (_, i) => i % 3),
          'int32',
        ),
        3,
      )
      .toFloat()
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' })
    await model.fit(xs, ys, { epochs: 1, verbose: 0 })
    expect((await readWeights(model)).length).toBe(parameterCount(spec))
    tf.dispose([xs, ys])
    model.dispose()
  })

  it('stops when aborted and rejects with an AbortError', async () => {
    const task = diabetesDemoTask('mlp', 5)
    const trainer = new LocalTrainer('cpu')
    await trainer.prepare(task, { index: 2, seed: 5 })
    const controller = new AbortController()
    const run = trainer.train(
      {
        weights: initialWeights(task.model, seededRandom(1)),
        settings: { ...settings, epochs: 200, batchSize: 8 },
      },
      (p) => {
        if (p.fraction > 0.01) controller.abort()
      },
      controller.signal,
    )
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    trainer.dispose()
  })
})

describe('LocalTrainer with DP', () => {
  it('clips the delta to the clip norm and adds the requested noise before returning it', async () => {
    const task = diabetesDemoTask('mlp', 5)
    const trainer = new LocalTrainer('cpu')
    await trainer.prepare(task, { index: 1, seed: 5 })
    const start = initialWeights(task.model, seededRandom(2))
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
    const clipped = await trainer.train(
      { weights: start, settings, privacy: { clipNorm: 0.01, noiseStd: 0 } },
      () => {},
      new AbortController().signal,
    )
    expect(norm(clipped.delta)).toBeLessThanOrEqual(0.01)
    expect(clipped.clip).toMatchObject({ clipped: true })
    expect(clipped.clip!.norm).toBeGreaterThan(0.01)
    const noised = await trainer.train(
      { weights: start, settings, privacy: { clipNorm: 0.01, noiseStd: 1 } },
      () => {},
      new AbortController().signal,
    )
    // Noise of std 1 on each of 289 coordinates: a norm near sqrt(289) = 17.
    expect(norm(noised.delta)).toBeGreaterThan(14)
    expect(norm(noised.delta)).toBeLessThan(20)
    trainer.dispose()
  })
})

describe('example-level DP-SGD in the trainer', () => {
  it('trains with clipped per-example gradients and noise, and still lowers the loss at moderate noise', async () => {
    const task = diabetesDemoTask('logistic', 5)
    const trainer = new LocalTrainer('cpu')
    await trainer.prepare(task, { index: 3, seed: 5 })
    const start = initialWeights(task.model, seededRandom(2))
    const before = await trainer.evaluate(start)
    const progress: number[] = []
    const dpSgd = { clipNorm: 1, noiseMultiplier: 0.8, delta: 1e-5 }
    const result = await trainer.train(
      { weights: start, settings: { ...settings, epochs: 3, learningRate: 0.1, dpSgd } },
      (p) => progress.push(p.fraction),
      new AbortController().signal,
    )
    expect(progress.at(-1)).toBe(1)
    const after = await trainer.evaluate(start.map((w, i) => w + result.delta[i]!))
    expect(after.lossSum / after.examples).toBeLessThan(before.lossSum / before.examples)
    trainer.dispose()
  })

  it('is bounded by the clip norm: with huge noise off and a tiny clip, one step moves weights at most lr * C', async () => {
    const task = diabetesDemoTask('logistic', 5)
    const trainer = new LocalTrainer('cpu')
    const data = await trainer.prepare(task, { index: 3, seed: 5 })
    const start = initialWeights(task.model, seededRandom(2))
    const dpSgd = { clipNorm: 0.001, noiseMultiplier: 1e-9, delta: 1e-5 }
    const result = await trainer.train(
      {
        weights: start,
        settings: {
          ...settings,
          epochs: 1,
          batchSize: data.trainExamples,
          optimizer: 'sgd',
          learningRate: 1,
          dpSgd,
        },
      },
      () => {},
      new AbortController().signal,
    )
    // One step (batch = all rows): the averaged clipped gradient has norm <= C times (sampled rows / expected rows).
    const norm = Math.sqrt(result.delta.reduce((s, v) => s + v * v, 0))
    expect(norm).toBeLessThan(0.001 * 1.5)
    expect(norm).toBeGreaterThan(0)
    trainer.dispose()
  })
})
