import * as tf from '@tensorflow/tfjs'
import { dpSgdRound } from '../../shared/privacy/dp-sgd'
import { gaussianNoise } from '../../shared/privacy/noise'
import { type RandomSource, secureRandom } from '../../shared/random'
import type { Dataset } from '../data/dataset'
import type { TrainProgress } from './trainer-port'

export interface DpSgdSettings {
  readonly epochs: number
  readonly batchSize: number
  readonly clipNorm: number
  readonly noiseMultiplier: number
}

/** Cross-entropy of one example's output (probabilities: one sigmoid, or a softmax), as a scalar. */
function exampleLoss(output: tf.Tensor, label: number, classes: number): tf.Scalar {
  const p = tf.clipByValue(output, 1e-7, 1 - 1e-7)
  if (classes === 2) {
    const q = p.reshape([])
    return (label === 1 ? tf.neg(tf.log(q)) : tf.neg(tf.log(tf.sub(1, q)))) as tf.Scalar
  }
  return tf.neg(tf.log(p.reshape([classes]).gather(label))) as tf.Scalar
}

/**
 * One round of example-level DP-SGD (Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar and Zhang 2016, Algorithm 1),
 * with Poisson-sampled batches (each row joins a step with probability q = batchSize / rows, as the accountant
 * assumes): per-example gradients, each clipped to L2 norm C, summed, plus N(0, (sigma C)^2) per coordinate,
 * divided by the expected batch size, applied by `optimizer`. Returns the number of steps taken.
 */
export async function trainDpSgd(
  model: tf.LayersModel,
  data: Dataset,
  settings: DpSgdSettings,
  optimizer: tf.Optimizer,
  onProgress: (progress: TrainProgress) => void,
  signal: AbortSignal,
  random: RandomSource = secureRandom,
): Promise<number> {
  const { train, features, classes } = data
  const { sampleRate, steps } = dpSgdRound(train.count, settings.batchSize, settings.epochs)
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const sizes = variables.map((v) => v.size)
  const total = sizes.reduce((a, b) => a + b, 0)
  const expectedBatch = sampleRate * train.count
  const stepsPerEpoch = steps / settings.epochs
  for (let step = 0; step < steps; step++) {
    if (signal.aborted)
      throw signal.reason instanceof Error
        ? signal.reason
        : new DOMException('training aborted', 'AbortError')
    const sum = new Float32Array(total)
    for (let row = 0; row < train.count; row++) {
      if (random() >= sampleRate) continue
      const flat = tf.tidy(() => {
        const x = tf.tensor2d(train.x.subarray(row * features, (row + 1) * features), [1, features])
        const { grads } = tf.variableGrads(
          () => exampleLoss(model.apply(x, { training: true }) as tf.Tensor, train.y[row]!, classes),
          variables,
        )
        return tf.concat(variables.map((v) => grads[v.name]!.reshape([-1])))
      })
      const gradient = (await flat.data()) as Float32Array
      flat.dispose()
      let norm = 0
      for (const g of gradient) norm += g * g
      const scale = Math.min(1, settings.clipNorm / (Math.sqrt(norm) || 1))
      for (let i = 0; i < total; i++) sum[i]! += gradient[i]! * scale
    }
    // Continuous Gaussian, on purpose (not the discrete sampler the released statistics use). Mironov's attack reads
    // the low bits of a released noisy value; this noisy sum is never released: it is stored at once as float32
    // (the sample's float64 gaps are 2^29 times finer than float32's spacing, so the rounding fills them), divided,
    // and consumed by the optimizer; only the model after all steps leaves the tab (post-processing). The
    // accountant's subsampled bound (Mironov, Talwar and Zhang 2019) is proven for the continuous Gaussian; that
    // the rounding closes the float gaps is an argument, not a proof.
    const sigma = settings.noiseMultiplier * settings.clipNorm
    for (let i = 0; i < total; i++) sum[i] = (sum[i]! + gaussianNoise(sigma, random)) / expectedBatch
    const named: tf.NamedTensorMap = {}
    let offset = 0
    variables.forEach((v, k) => {
      named[v.name] = tf.tensor(sum.subarray(offset, offset + sizes[k]!), v.shape)
      offset += sizes[k]!
    })
    optimizer.applyGradients(named)
    tf.dispose(Object.values(named))
    onProgress({ fraction: (step + 1) / steps, epoch: Math.floor(step / stepsPerEpoch) })
    await tf.nextFrame?.()
  }
  return steps
}
