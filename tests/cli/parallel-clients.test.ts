import { describe, expect, it } from 'vitest'
import { runFederated } from '../../cli/federated-run'
import { parseOptions } from '../../cli/options'

/** A `privx federated` run's final global model, with its Node clients training in `workers` threads. */
async function finalModel(workers: number, extra: readonly string[] = []): Promise<Float32Array> {
  const argv = ['federated', '--clients', '3', '--rounds', '2', '--seed', '7', '--workers', String(workers)]
  const { options } = parseOptions([...argv, ...extra])
  expect(options.workers).toBe(workers)
  let model: Float32Array | null = null
  await runFederated(options, () => {}, undefined, {
    centralized: false,
    keepModel: (_task, weights) => (model = weights.slice()),
  })
  if (!model) throw new Error(`${argv.join(' ')}: no final model`)
  return model
}

describe('privx federated with clients in worker threads', () => {
  it('gives bitwise the same final model as clients in the main thread, for the same seed', async () => {
    const inProcess = await finalModel(0)
    // 2 threads for 3 clients: two clients share one, so turn-taking in a thread is covered too.
    const pooled = await finalModel(2)
    expect(pooled).toEqual(inProcess)
  }, 120_000)

  it('keeps a simulated attacker (its wrapper stays in the main thread around the pooled trainer)', async () => {
    const attack = ['--byzantine', '1', '--attack', 'sign-flip', '--aggregator', 'fedavg']
    const inProcess = await finalModel(0, attack)
    expect(await finalModel(2, attack)).toEqual(inProcess)
    // The attack moved the model: the comparison above is between attacked runs, not two honest ones.
    expect(inProcess).not.toEqual(await finalModel(0))
  }, 180_000)
})

describe('--workers', () => {
  const parse = (...argv: string[]) => parseOptions(['federated', ...argv]).options

  it('defaults to one thread per core, at most one per client; 0 keeps clients in the main thread', () => {
    expect(parse('--clients', '1').workers).toBe(1)
    expect(parse('--clients', '64').workers).toBeGreaterThanOrEqual(1)
    expect(parse('--workers', '0').workers).toBe(0)
    expect(parse('--clients', '3', '--workers', '8').workers).toBe(3)
  })

  it('refuses what is not a thread count, and tabs', () => {
    expect(() => parse('--workers', '-1')).toThrow('--workers must be a whole number from 0 to 64')
    expect(() => parse('--workers', '1.5')).toThrow(/--workers must be .*got 1\.5/)
    expect(() => parse('--browser', '--workers', '2')).toThrow(/--workers .*--browser/)
  })
})
