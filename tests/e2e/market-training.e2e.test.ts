import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { weightsDigest } from '../../shared/model/version'
import { message, useMarketPages } from '../helpers/market-pages'

const { rig, dialogs, provider: registeredProvider, consumer: registeredConsumer } = useMarketPages()

interface ModelDocument {
  stage: string
  round: number
  version: string
  modelHash: string
  chainRecord: { record: number; modelAfter: string; hashOf: string } | null
  quality: { accuracy: number; f1: number; majorityRate: number; beatsMajority: boolean } | null
  warning: string | null
  weights: number[]
}

/** The model the buyer's page offers: the file name and the document behind its download link. */
async function download(page: Page): Promise<{ name: string; doc: ModelDocument }> {
  const link = page.getByTestId('model-download')
  const href = (await link.getAttribute('href', { timeout: 30_000 }))!
  const doc = JSON.parse(decodeURIComponent(href.replace(/^data:application\/json;charset=utf-8,/, '')))
  return { name: (await link.getAttribute('download'))!, doc: doc as ModelDocument }
}

describe('a bought model in headless Chromium', () => {
  it('is a labelled snapshot before training and the recorded final model after; each download matches the chain', async () => {
    const provider = await registeredProvider('Clinic B')
    await provider.getByTestId('nav-list').click()
    await provider.getByTestId('list-file').setInputFiles(resolve('examples/clinic-b.csv'))
    await provider.getByTestId('list-name').fill('Clinic B visits')
    // The file's schema is inferred into the form; this listing gives its own as JSON.
    await provider.getByTestId('schema-json-toggle').click()
    await provider.getByTestId('list-schema').fill(readFileSync('examples/clinic-schema.json', 'utf8'))
    await provider.locator('px-market-list input[name=trainingRounds]').fill('2')
    await provider.getByTestId('list-submit').click()
    await expect.poll(() => message(provider), { timeout: 30_000 }).toMatch(/^listed as ds-1 /)

    const buyer = await registeredConsumer('Model buyer')
    await buyer.goto(`${rig.coordinator.url}/market#ds-1`)
    await buyer.getByTestId('buy-training').click()
    await expect.poll(() => message(buyer)).toBe('buy training access: done')
    const taskId = 'market-p-1'
    const records = () => rig.coordinator.chain.state.rounds.filter((r) => r.taskId === taskId)

    // Before the provider trains: the progress says so, and the model offered is labelled a round-0 snapshot.
    await buyer.getByTestId('nav-wallet').click()
    const progress = buyer.getByTestId('training-progress')
    await expect.poll(() => progress.textContent()).toContain('Training: 0 of 2 rounds done')
    const fetch = buyer.getByTestId('fetch-model')
    expect(await fetch.textContent()).toBe('Get a snapshot (round 0 of 2, training continues)')
    await fetch.click()
    await expect
      .poll(() => buyer.getByTestId('model-stage').textContent())
      .toBe('Snapshot: round 0 of 2 (the initial, untrained model), training continues')
    const early = await download(buyer)
    expect(early.doc).toMatchObject({ stage: 'snapshot', round: 0, chainRecord: null })
    expect(weightsDigest(Float32Array.from(early.doc.weights))).toBe(early.doc.modelHash)
    expect(early.doc.version).toBe(`r0-${early.doc.modelHash.slice(0, 12)}`)
    expect(early.name).toBe(`${taskId}-r0-${early.doc.modelHash.slice(0, 12)}-snapshot.json`)
    expect(records()).toHaveLength(0)
    expect(await buyer.getByTestId('model-record').textContent()).toContain('not on the chain')

    // The provider trains in its own tab; the buyer's wallet follows, and withdraws the snapshot's link.
    await provider.getByTestId('nav-wallet').click()
    const link = provider.getByTestId('join-training')
    await expect.poll(() => link.count(), { timeout: 30_000 }).toBe(1)
    const tab = await provider.context().newPage()
    await tab.goto(`${rig.coordinator.url}${await link.getAttribute('href')}`)
    await tab.getByTestId('csv-input').setInputFiles(resolve('examples/clinic-b.csv'))
    await tab.getByTestId('join').click({ timeout: 60_000 })
    await expect.poll(() => progress.textContent(), { timeout: 120_000 }).toContain('Trained: 2 of 2 rounds')
    expect(await buyer.getByTestId('model-download').count()).toBe(0)
    expect(await buyer.getByTestId('model-replaced').textContent()).toMatch(
      new RegExp(
        `^The snapshot of round 0 you fetched \\(${early.doc.version}\\) is out of date: the model is now round 2 of 2, final`,
      ),
    )

    // After training: the final model, named by its round and hash, which is the chain's record of round 2.
    expect(await fetch.textContent()).toBe('Get the model')
    await fetch.click()
    await expect.poll(() => buyer.getByTestId('model-stage').textContent()).toBe('Final model: round 2 of 2')
    const last = records().at(-1)!
    expect(records()).toHaveLength(2)
    // The held-out evaluation of the final model may arrive after the fetch: the page adds it to the same model.
    await expect
      .poll(() => buyer.getByTestId('model-quality').textContent(), { timeout: 30_000 })
      .toMatch(/^Held-out accuracy \d+\.\d%, F1 \d+\.\d% \(\d+ examples\); majority-class baseline \d+\.\d%$/)
    const final = await download(buyer)
    expect(final.name).toBe(`${taskId}-r2-${last.modelAfter.slice(0, 12)}.json`)
    expect(final.doc).toMatchObject({ stage: 'final', round: 2, modelHash: last.modelAfter })
    expect(final.doc.chainRecord).toMatchObject({ record: 2, modelAfter: last.modelAfter, hashOf: 'weights' })
    expect(weightsDigest(Float32Array.from(final.doc.weights))).toBe(last.modelAfter)
    expect(await buyer.getByTestId('model-hash').textContent()).toBe(last.modelAfter)
    const quality = final.doc.quality!
    expect(quality.majorityRate).toBeGreaterThan(0)
    expect(quality.beatsMajority).toBe(quality.accuracy > quality.majorityRate)
    // A model no better than the majority class is flagged on the page (before the download) and in the file.
    const flags = quality.beatsMajority ? 0 : 1
    expect(await buyer.getByTestId('model-warning').count()).toBe(flags)
    expect(await buyer.getByTestId('training-warning').count()).toBe(flags)
    expect(final.doc.warning === null).toBe(quality.beatsMajority)
    expect(await buyer.getByTestId('model-settings').textContent()).toMatch(
      /^Provider's training: 2 rounds × \d+ local epochs, .*examples per round: \d+, \d+$/,
    )
    expect(dialogs).toEqual([])
  })
})
