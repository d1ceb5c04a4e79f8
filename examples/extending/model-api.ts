// A model behind the trainer: fit, predict (score), and weights in and out as one flat float32 vector.
import { LocalTrainer } from '../../client/training/local-trainer'
import { initialWeights } from '../../shared/model/init'
import type { TaskInfo } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'

export async function fitAndScore(task: TaskInfo, trainCsv: string) {
  if (task.dataset.kind !== 'csv') throw new Error('a CSV task')
  const trainer = new LocalTrainer('cpu')
  await trainer.loadCsv(trainCsv, 'train.csv', task.dataset.schema, {}, () => {})
  await trainer.prepare(task, { index: 0, seed: 0 }) // builds the model from task.model (a ModelSpec)
  const start = initialWeights(task.model, seededRandom(1)) // set weights: any flat vector in weightShapes order
  const settings = { epochs: 5, batchSize: 32, learningRate: 0.05, optimizer: 'adam', dpSgd: null } as const
  const fit = await trainer.train({ weights: start, settings }, () => {}, new AbortController().signal)
  const trained = start.map((w, i) => w + fit.delta[i]!) // get weights: start + delta
  const before = await trainer.evaluate(start) // predict and score on the held-out share
  const after = await trainer.evaluate(trained)
  trainer.dispose()
  return { before, after, parameters: trained.length }
}
