import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { type FederatedSummary, runFederated } from '../../cli/federated-run'
import { MODEL_FILES, registerFileLoader, writeModelFiles } from '../../cli/model-files'
import { parseOptions } from '../../cli/options'
import { buildModel, writeWeights } from '../../client/training/tfjs-model'
import type { TaskInfo } from '../../shared/protocol'

const MESSY = join(import.meta.dirname, 'fixtures', 'messy-penguins.csv')
const quiet = () => {}
/** Everything but wall-clock times. */
const numbers = (s: FederatedSummary) => ({
  ...s,
  timings: null,
  rounds: s.rounds.map((r) => ({ ...r, durationMs: null })),
})

describe('a privx run', () => {
  it('gives the same numbers twice with one seed (centralized baseline included), and keeps no temporary chain', async () => {
    const options = parseOptions([
      'federated',
      ...['--csv', MESSY, '--label', 'species', '--clients', '2', '--rounds', '2', '--seed', '7'],
    ]).options
    const temp = mkdtempSync(join(tmpdir(), 'privx-tmp-'))
    const before = process.env.TMPDIR
    process.env.TMPDIR = temp
    let first: FederatedSummary
    try {
      first = await runFederated(options, quiet)
    } finally {
      if (before === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = before
    }
    expect(readdirSync(temp)).toEqual([])
    expect(first.chain.dataDir).toBeNull()
    expect(first.centralizedRounds).toHaveLength(2)
    const second = await runFederated(options, quiet)
    expect(numbers(second)).toEqual(numbers(first))
  }, 60_000)

  it('writes its model in the TensorFlow.js format with the schema beside it; loaded back, it predicts the same', async () => {
    let kept: { task: TaskInfo; weights: Float32Array } | null = null
    const options = parseOptions([
      'federated',
      ...['--csv', MESSY, '--label', 'species', '--clients', '2', '--rounds', '1', '--hidden', '12,6'],
    ]).options
    const summary = await runFederated(options, quiet, undefined, {
      centralized: false,
      keepModel: (task, weights) => {
        kept = { task, weights: weights.slice() }
      },
    })
    expect(summary.model).toBe('MLP 10-12-6')
    const { task, weights } = kept! as { task: TaskInfo; weights: Float32Array }
    const dir = mkdtempSync(join(tmpdir(), 'privx-model-'))
    await writeModelFiles(dir, task, weights)
    expect(readdirSync(dir).sort()).toEqual(Object.values(MODEL_FILES).sort())
    expect(JSON.parse(readFileSync(join(dir, MODEL_FILES.schema), 'utf8'))).toEqual(summary.data.csv?.schema)
    registerFileLoader()
    const loaded = await tf.loadLayersModel(pathToFileURL(join(dir, MODEL_FILES.model)).href)
    const trained = buildModel(task.model)
    writeWeights(trained, task.model, weights)
    const inputs = task.model.inputs
    const x = tf.tensor2d(
      Array.from({ length: 5 * inputs }, (_, i) => ((i * 37) % 11) / 10),
      [5, inputs],
    )
    const [a, b] = [loaded.predict(x) as tf.Tensor, trained.predict(x) as tf.Tensor]
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()))
    tf.dispose([x, a, b])
    loaded.dispose()
    trained.dispose()
  }, 60_000)
})
