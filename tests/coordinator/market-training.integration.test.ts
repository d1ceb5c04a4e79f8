import { describe, expect, it } from 'vitest'
import { startHeadlessClient } from '../../client/headless/headless-client'
import { marketOf } from '../../shared/chain/state'
import { boughtModelFileName } from '../../shared/market/bought-model'
import { readDatasetFrame } from '../../shared/market/dataset-frame'
import { weightsDigest } from '../../shared/model/version'
import { clinicCsv, clinicCsvSchema, must, useMarketRig } from '../helpers/market-rig'
import { waitFor } from '../helpers/wait'

const rig = useMarketRig()
const csvText = clinicCsv
const schema = clinicCsvSchema
const participant = () => rig.participant()

describe('the model a training purchase delivers', () => {
  it('is a labelled snapshot before training finished, and after it the recorded round, hash and quality', async () => {
    const provider = await participant()
    const buyer = await participant()
    const changes: string[] = []
    const evaluated: string[] = []
    buyer.socket.on('market:changed', (c) => changes.push(c.type))
    buyer.socket.on('market:training', (c) => evaluated.push(c.version))
    must(await provider.registerProvider('Clinic A'))
    must(await buyer.registerConsumer('Model buyer'))
    const read = readDatasetFrame(csvText, schema)
    must(
      await provider.listDataset(read.frame, {
        name: 'Clinic A visits',
        description: 'Outpatient visits',
        category: 'medical',
        tags: [],
        schema,
        licence: 'research only',
        copyPrice: null,
        trainingPrice: 60,
        copyEpsilon: 2,
        trainingRounds: 2,
        summaryEpsilon: 1,
      }),
    )
    must(await buyer.purchase('ds-1', 'training'))
    const taskId = 'market-p-1'
    await waitFor(() => rig.coordinator.tasks.get(taskId) !== undefined, 'the training task')

    // Before the provider's tab joins: the initial model, marked as a snapshot of round 0 of 2, on no chain record.
    const early = must(await buyer.fetchModel('p-1'))
    expect(early).toMatchObject({
      stage: 'snapshot',
      round: 0,
      roundsDone: 0,
      roundsBought: 2,
      recorded: null,
    })
    expect(early.taskId).toBe(taskId)
    expect(early.modelHash).toBe(weightsDigest(early.values))
    expect(early.version).toBe(`r0-${early.modelHash.slice(0, 12)}`)
    expect(early.settings).toMatchObject({ rounds: 2, examplesPerRound: [] })
    expect(boughtModelFileName(early)).toBe(`${taskId}-r0-${early.modelHash.slice(0, 12)}-snapshot.json`)
    const pending = must(await buyer.wallet()).purchases.find((p) => p.purchaseId === 'p-1')!.training!
    expect(pending).toMatchObject({ taskId, roundsDone: 0, roundsBought: 2, finished: false, latest: null })
    expect(pending.model?.version).toBe(early.version)

    rig.keep(
      await startHeadlessClient(rig.coordinator.url, {
        taskId,
        csv: { text: csvText, fileName: 'clinic-a.csv' },
        backend: 'cpu',
        keys: provider.keys,
      }),
    )
    await waitFor(
      () => marketOf(rig.coordinator.chain.state).purchases['p-1']?.status === 'completed',
      'training to finish',
      120_000,
    )
    const federation = rig.coordinator.tasks.get(taskId)!.federation
    await waitFor(() => federation.history.at(-1)?.evaluation != null, 'the final model evaluated')
    const records = rig.coordinator.chain.state.rounds.filter((r) => r.taskId === taskId)
    expect(records).toHaveLength(2)
    const last = records.at(-1)!

    // After training: the final model, its hash the chain's record of round 2, its held-out quality with baseline.
    const final = must(await buyer.fetchModel('p-1'))
    expect(final).toMatchObject({ stage: 'final', round: 2, roundsDone: 2, roundsBought: 2 })
    expect(final.modelHash).toBe(last.modelAfter)
    expect(weightsDigest(final.values)).toBe(last.modelAfter)
    expect(final.recorded).toEqual({
      record: 2,
      modelRound: 2,
      modelAfter: last.modelAfter,
      hashOf: 'weights',
    })
    expect(final.version).toBe(federation.global.version)
    const evaluation = federation.history.at(-1)!.evaluation!
    expect(final.quality).not.toBeNull()
    const quality = final.quality!
    expect(quality.accuracy).toBeCloseTo(evaluation.accuracy, 12)
    expect(quality.f1).toBeCloseTo(evaluation.f1, 12)
    expect(quality.majorityRate).toBeCloseTo(evaluation.majorityRate, 12)
    expect(quality.majorityRate).toBeGreaterThanOrEqual(0.5)
    expect(quality.beatsMajority).toBe(evaluation.accuracy > evaluation.majorityRate)
    expect(quality.examples).toBe(evaluation.examples)
    expect(final.settings.examplesPerRound).toEqual(
      records.map((r) => r.participants.reduce((s, p) => s + p.examples, 0)),
    )
    expect(boughtModelFileName(final)).toBe(`${taskId}-r2-${last.modelAfter.slice(0, 12)}.json`)

    // The wallet showed the progress live: each recorded round and each evaluation reached the buyer's page.
    const done = must(await buyer.wallet()).purchases.find((p) => p.purchaseId === 'p-1')!.training!
    expect(done).toMatchObject({ roundsDone: 2, roundsBought: 2, finished: true })
    expect(done.latest?.modelAfter).toBe(last.modelAfter)
    expect(done.model?.quality).toEqual(final.quality)
    await waitFor(() => changes.filter((t) => t === 'training.record-round').length === 2, 'round changes')
    await waitFor(() => evaluated.includes(final.version), 'the final evaluation announced')
  }, 180_000)
})
