import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TrainerPool } from '../../client/headless/trainer-pool'
import { activateNodeBackend } from '../../client/training/backend-node'
import { LocalTrainer } from '../../client/training/local-trainer'
import type { TrainerPort, TrainResult } from '../../client/training/trainer-port'
import { initialWeights } from '../../shared/model/init'
import { seededRandom } from '../../shared/random'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'

const settings = { epochs: 2, batchSize: 16, learningRate: 0.02, optimizer: 'adam', dpSgd: null } as const
const task = diabetesDemoTask('mlp', 5)
const never = new AbortController().signal

/** Two rounds from the same start: the second depends on the trainer's shuffle state left by the first. */
async function twoRounds(trainer: TrainerPort): Promise<{ results: TrainResult[]; loss: number }> {
  await trainer.prepare(task, { index: 1, seed: 5 })
  const start = initialWeights(task.model, seededRandom(2))
  const results = [
    await trainer.train({ weights: start, settings }, () => {}, never),
    await trainer.train({ weights: start, settings }, () => {}, never),
  ]
  const scored = await trainer.evaluate(start.map((w, i) => w + results[1]!.delta[i]!))
  return { results, loss: scored.lossSum }
}

describe('TrainerPool: trainers in worker threads', () => {
  let pool: TrainerPool
  beforeAll(async () => {
    await activateNodeBackend('cpu')
    pool = await TrainerPool.start(2, { backend: 'cpu' })
  })
  afterAll(async () => {
    await pool?.close()
  })

  it('trains exactly as a LocalTrainer in this thread: bitwise equal deltas and evaluation, round after round', async () => {
    const here = await twoRounds(new LocalTrainer('node-cpu'))
    const pooled = pool.trainer()
    expect(pooled.backend).toBe('node-cpu')
    const there = await twoRounds(pooled)
    for (const [i, result] of there.results.entries()) {
      expect(result.delta).toEqual(here.results[i]!.delta)
      expect(result.examples).toBe(here.results[i]!.examples)
    }
    // The second round moved on from the first (the shuffle state lives in the thread with the data).
    expect(there.results[1]!.delta).not.toEqual(there.results[0]!.delta)
    expect(there.loss).toBe(here.loss)
    pooled.dispose()
  })

  it("leaves the caller's weights usable, forwards progress, and aborts on the signal", async () => {
    const trainer = pool.trainer()
    await trainer.prepare(task, { index: 2, seed: 5 })
    const weights = initialWeights(task.model, seededRandom(1))
    const copy = weights.slice()
    const controller = new AbortController()
    const fractions: number[] = []
    const run = trainer.train(
      { weights, settings: { ...settings, epochs: 500, batchSize: 4 } },
      (p) => {
        fractions.push(p.fraction)
        controller.abort()
      },
      controller.signal,
    )
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(fractions.length).toBeGreaterThan(0)
    expect(weights).toEqual(copy)
    trainer.dispose()
  })

  it("rejects with the trainer's own error, and the thread keeps serving its other clients", async () => {
    const trainer = pool.trainer()
    const csvTask = { ...task, dataset: { kind: 'csv', schema: { features: [], label: { classes: [] } } } }
    await expect(trainer.prepare(csvTask as never, { index: 0, seed: 1 })).rejects.toThrow(
      /no CSV has been loaded/,
    )
    expect(pool.failure).toBeNull()
    const other = pool.trainer()
    await expect(other.prepare(task, { index: 3, seed: 5 })).resolves.toMatchObject({
      trainExamples: expect.any(Number),
    })
    trainer.dispose()
    other.dispose()
  })

  it('refuses a pool without threads', async () => {
    expect(pool.size).toBe(2)
    await expect(TrainerPool.start(0)).rejects.toThrow('a trainer pool needs 1 thread or more, got 0')
  })
})

describe('TrainerPool when a thread dies', () => {
  const failing = new URL('./support/failing-trainer-thread.ts', import.meta.url)

  it('rejects the pending call and every later one with the thread and its exit code, and reports the failure', async () => {
    const failures: Error[] = []
    const pool = await TrainerPool.start(1, { entry: failing, onFailure: (e) => failures.push(e) })
    try {
      const trainer = pool.trainer()
      const weights = new Float32Array(4)
      await expect(trainer.train({ weights, settings }, () => {}, never)).rejects.toThrow(
        'training thread 0 stopped: exited with code 3',
      )
      await expect(trainer.evaluate(weights)).rejects.toThrow(/training thread 0 stopped/)
      await expect(pool.trainer().prepare(task, { index: 0, seed: 1 })).rejects.toThrow(/thread 0 stopped/)
      expect(pool.failure?.message).toBe('training thread 0 stopped: exited with code 3')
      expect(failures).toHaveLength(1)
    } finally {
      await pool.close()
    }
  })

  it('names an uncaught error in the thread', async () => {
    const pool = await TrainerPool.start(1, { entry: failing })
    try {
      await expect(pool.trainer().prepare(task, { index: 0, seed: 1 })).rejects.toThrow(
        'training thread 0 stopped: kernel blew up',
      )
    } finally {
      await pool.close()
    }
  })

  it('fails to start with the reason when a thread cannot load', async () => {
    const broken = new URL('./support/broken-trainer-thread.ts', import.meta.url)
    await expect(TrainerPool.start(2, { entry: broken })).rejects.toThrow(
      /training thread \d stopped: tfjs failed to load/,
    )
  })
})
