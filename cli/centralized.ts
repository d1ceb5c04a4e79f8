import { LocalTrainer } from '../client/training/local-trainer'
import { classificationMetrics } from '../shared/metrics/classification'
import { initialWeights } from '../shared/model/init'
import type { TaskInfo } from '../shared/protocol'
import { seededRandom } from '../shared/random'
import type { TrainingConfig } from '../shared/rounds/config'

export interface HeldOutScore {
  readonly accuracy: number
  readonly f1: number
  readonly loss: number
  readonly examples: number
}

const quiet = () => {}

/** Scores weights on every row of a held-out CSV (the same encoding the tabs use). */
export async function scoreOnHeldOut(
  task: TaskInfo,
  testCsv: string,
  weights: Float32Array,
): Promise<HeldOutScore> {
  if (task.dataset.kind !== 'csv') throw new Error('held-out scoring reads CSV tasks')
  const trainer = new LocalTrainer('held-out', 1)
  try {
    const report = await trainer.loadCsv(testCsv, 'held-out.csv', task.dataset.schema, {}, quiet)
    if (report.fatal) throw new Error(`held-out split: ${report.fatal}`)
    await trainer.prepare(task, { index: 0, seed: 0 })
    const result = await trainer.evaluate(weights)
    const metrics = classificationMetrics(result.confusion)
    return {
      accuracy: metrics.accuracy,
      f1: metrics.f1,
      loss: result.lossSum / Math.max(1, result.examples),
      examples: result.examples,
    }
  } finally {
    trainer.dispose()
  }
}

/**
 * The centralized baseline: the same model, from the same initial weights, trained on the pooled rows of every
 * client for as many epochs as each client trains (rounds x local epochs), scored on the held-out split after
 * each "round" of local epochs.
 */
export async function trainCentrally(
  task: TaskInfo,
  pooledCsv: string,
  testCsv: string,
  config: Pick<TrainingConfig, 'rounds' | 'localEpochs' | 'batchSize' | 'learningRate' | 'optimizer'>,
  seed: number,
): Promise<{ perRound: HeldOutScore[]; weights: Float32Array }> {
  if (task.dataset.kind !== 'csv') throw new Error('the centralized baseline reads CSV tasks')
  const trainer = new LocalTrainer('centralized', 0)
  try {
    const report = await trainer.loadCsv(pooledCsv, 'pooled.csv', task.dataset.schema, {}, quiet)
    if (report.fatal) throw new Error(`pooled data: ${report.fatal}`)
    await trainer.prepare(task, { index: 0, seed: 0 })
    let weights = initialWeights(task.model, seededRandom(seed))
    const perRound: HeldOutScore[] = []
    for (let round = 1; round <= config.rounds; round++) {
      const result = await trainer.train(
        {
          weights,
          settings: {
            epochs: config.localEpochs,
            batchSize: config.batchSize,
            learningRate: config.learningRate,
            optimizer: config.optimizer,
            dpSgd: null,
          },
          privacy: null,
        },
        quiet,
        new AbortController().signal,
      )
      weights = weights.map((w, i) => w + result.delta[i]!)
      perRound.push(await scoreOnHeldOut(task, testCsv, weights))
    }
    return { perRound, weights }
  } finally {
    trainer.dispose()
  }
}
