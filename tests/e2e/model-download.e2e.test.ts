import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { buildModel, writeWeights } from '../../client/training/tfjs-model'
import type { Coordinator } from '../../coordinator/server'
import { openTab, openTabs, startServingCoordinator, useBrowserRig } from '../helpers/browser'

const coordinators: Coordinator[] = []
const dirs: string[] = []
afterAll(async () => {
  for (const c of coordinators) await c.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const rig = useBrowserRig(null)

describe('a model to take home', () => {
  it('the coordinator page saves the global model as TensorFlow.js files that load back and predict the same, and a tab scores them on its own rows', async () => {
    const coordinator = await startServingCoordinator({
      tickMs: 100,
      config: { rounds: 2, minClients: 2, localEpochs: 1 },
    })
    coordinators.push(coordinator)
    const federation = coordinator.federation
    const context = await rig.browser.newContext({ acceptDownloads: true })
    const tabs = await openTabs(context, Array(2).fill(coordinator.clientPageUrl))
    const page = await openTab(context, coordinator.coordinatorPageUrl)
    await expect.poll(() => federation.state.clients.size, { timeout: 30_000 }).toBe(2)
    expect(federation.control('start').ok).toBe(true)
    await expect.poll(() => federation.state.completedRounds, { timeout: 90_000 }).toBe(2)

    // Three files, saved by the page (tfjs loaded only now).
    const dir = mkdtempSync(join(tmpdir(), 'privx-model-'))
    dirs.push(dir)
    const downloads: string[] = []
    page.on('download', async (download) => {
      const path = join(dir, download.suggestedFilename())
      await download.saveAs(path)
      downloads.push(path)
    })
    await page.getByTestId('download-model').click()
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2)
    await expect
      .poll(() => page.getByTestId('download-message').textContent(), { timeout: 30_000 })
      .toMatch(`model ${federation.global.version}`)
    expect(downloads.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['model.json', 'weights.bin'])

    // Loaded back with tf.loadLayersModel, it predicts exactly as the coordinator's global model.
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON
    const bin = new Uint8Array(readFileSync(join(dir, 'weights.bin')))
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]!.weights,
        weightData: bin.buffer,
      }),
    )
    const reference = buildModel(federation.task.model)
    writeWeights(reference, federation.task.model, federation.global.weights)
    const inputs = tf.randomUniform([64, federation.task.model.inputs], -2, 2, 'float32', 7)
    const [a, b] = [loaded.predict(inputs) as tf.Tensor, reference.predict(inputs) as tf.Tensor]
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()))
    tf.dispose([inputs, a, b])
    loaded.dispose()
    reference.dispose()

    // A tab loads the files: scored on its held-out rows, and recognised as the global model it holds.
    const tab = tabs[0]!
    await tab
      .getByTestId('saved-model-files')
      .setInputFiles([join(dir, 'model.json'), join(dir, 'weights.bin')])
    await expect
      .poll(() => tab.getByTestId('saved-model-result').textContent(), { timeout: 30_000 })
      .toMatch(/Accuracy \d+(\.\d)?% on this tab's \d+ held-out rows/)
    await expect
      .poll(() => tab.getByTestId('saved-model-match').textContent(), { timeout: 30_000 })
      .toMatch(`The same weights as the global model this tab holds (${federation.global.version})`)
    // A file that is not a model is refused with what to choose.
    await tab.getByTestId('saved-model-files').setInputFiles([join(dir, 'weights.bin')])
    await expect
      .poll(() => tab.getByTestId('saved-model-error').textContent(), { timeout: 30_000 })
      .toMatch('choose the saved model.json and weights.bin')
  })
})
