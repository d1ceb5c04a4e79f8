import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { startHeadlessClient } from '../../client/headless/headless-client'
import { marketOf } from '../../shared/chain/state'
import { readDatasetFrame } from '../../shared/market/dataset-frame'
import { parameterCount } from '../../shared/model/spec'
import { clinicCsv, clinicCsvSchema, must, useMarketRig } from '../helpers/market-rig'
import { waitFor } from '../helpers/wait'

const rig = useMarketRig()
const csvText = clinicCsv
const schema = clinicCsvSchema
const participant = () => rig.participant()

describe('a market session over real sockets', () => {
  it('a provider lists; one consumer buys an anonymized copy, another training access; both rate; search and statistics agree', async () => {
    const provider = await participant()
    const alice = await participant()
    const bob = await participant()
    // Everything the provider's client sends, to check that no raw row leaves it.
    const sent: unknown[] = []
    provider.socket.onAnyOutgoing((_event, ...args) => sent.push(args))

    must(await provider.registerProvider('Clinic A', 'Outpatient visits'))
    must(await alice.registerConsumer('Alice Labs'))
    must(await bob.registerConsumer('Bob Research'))
    const read = readDatasetFrame(csvText, schema)
    expect(read.fatal).toBeNull()
    must(
      await provider.listDataset(read.frame, {
        name: 'Clinic A visits',
        description: 'Outpatient visits with diabetes outcome',
        category: 'medical',
        tags: ['diabetes', 'clinic'],
        schema,
        licence: 'research only',
        copyPrice: 30,
        trainingPrice: 60,
        copyEpsilon: 2,
        trainingRounds: 2,
        summaryEpsilon: 1,
      }),
    )
    const page = must(await alice.dataset('ds-1'))
    // The exact count stays with the provider: the listing publishes the summary's DP count only.
    expect(page.listing.rows).toBeUndefined()
    expect(Math.abs(page.listing.summary.rows - read.rows)).toBeLessThan(
      14 * page.listing.summary.rowCount!.scale,
    )
    expect(page.listing.epsilonBudget).toBe(10)
    expect(page.listing.summary.columns.find((c) => c.name === 'age')!.mean).toBeGreaterThan(18)

    // The anonymized copy: bought, made and sealed in the provider's client, opened by the buyer only.
    must(await alice.purchase('ds-1', 'copy'))
    const sale = must(await provider.wallet()).sales.find((s) => s.kind === 'copy')!
    expect(sale.status).toBe('pending')
    must(await provider.deliverCopy(sale, read.frame, schema, page.listing.copyEpsilon))
    const copyText = must(await alice.fetchCopy(sale.purchaseId))
    expect((await bob.fetchCopy(sale.purchaseId)).ok).toBe(false)
    const copy = Papa.parse<Record<string, string>>(copyText, { header: true, skipEmptyLines: true }).data
    expect(copy).toHaveLength(read.rows)
    // Laplace noise per row at epsilon 2 split over the 10 columns: scale = range * 10 / 2; mean |noise| = scale.
    const ages = read.frame.get('age') as number[]
    const meanAbs = copy.reduce((s, row, i) => s + Math.abs(Number(row['age']) - ages[i]!), 0) / copy.length
    const scale = ((90 - 18) * 10) / 2
    expect(meanAbs / scale).toBeGreaterThan(0.75)
    expect(meanAbs / scale).toBeLessThan(1.25)

    // Training access: a task on the dataset that only the provider's account may join; rounds pay its tab.
    must(await bob.purchase('ds-1', 'training'))
    const taskId = 'market-p-2'
    await waitFor(() => rig.coordinator.tasks.get(taskId) !== undefined, 'the training task')
    await expect(
      startHeadlessClient(rig.coordinator.url, {
        taskId,
        csv: { text: csvText, fileName: 'x.csv' },
        backend: 'cpu',
      }).then((c) =>
        waitFor(() => c.session.snapshot.status === 'failed', 'refusal', 10_000).finally(() => c.close()),
      ),
    ).resolves.toBeUndefined()
    const before = must(await provider.wallet()).account.balance
    rig.keep(
      await startHeadlessClient(rig.coordinator.url, {
        taskId,
        csv: { text: csvText, fileName: 'clinic-a.csv' },
        backend: 'cpu',
        keys: provider.keys,
      }),
    )
    await waitFor(
      () => marketOf(rig.coordinator.chain.state).purchases['p-2']?.status === 'completed',
      'training to finish',
      120_000,
    )
    const after = must(await provider.wallet())
    expect(after.account.balance - before).toBe(60)
    // The run charged its epsilon to the dataset's budget and trained under DP-SGD calibrated to it.
    expect(after.sales.find((s) => s.purchaseId === 'p-2')?.epsilonCharged).toBe(2)
    const dp = rig.coordinator.tasks.get(taskId)!.federation.state.config.privacy.exampleLevel
    expect(dp.enabled).toBe(true)
    expect(dp.noiseMultiplier).toBeGreaterThan(0.3)
    const rewards = rig.coordinator.chain.state.rounds
      .filter((r) => r.taskId === taskId)
      .flatMap((r) => r.rewards)
    expect(rewards.every((r) => r.address === provider.keys.address)).toBe(true)
    expect(rewards.reduce((s, r) => s + r.amount, 0)).toBeGreaterThan(0)
    const model = must(await bob.fetchModel('p-2'))
    expect(model.values).toHaveLength(parameterCount(model.model))
    expect((await alice.fetchModel('p-2')).ok).toBe(false)

    must(await alice.rate(sale.purchaseId, 5, 'useful'))
    must(await bob.rate('p-2', 4, '<script>alert(1)</script>'))
    expect((await bob.rate('p-2', 1)).ok).toBe(false)

    const found = must(await bob.search({ text: 'diabetes', category: 'medical', minRating: 4 }))
    expect(found.hits.map((h) => [h.listing.datasetId, h.rating.average])).toEqual([['ds-1', 4.5]])
    const stats = must(await bob.statistics())
    expect(stats.totals).toMatchObject({ purchases: 2, volume: 90, ratings: 2, providers: 1, consumers: 2 })
    expect(stats.mostPopular[0]).toMatchObject({ datasetId: 'ds-1', purchases: 2 })
    expect(stats.topProviders[0]).toMatchObject({ name: 'Clinic A', revenue: 90 })
    expect(stats.topProviders[0]!.reputation.deliveries).toBe(2)

    // Every market record names the transaction that made it, and that transaction is in a block.
    const market = marketOf(rig.coordinator.chain.state)
    for (const txId of [
      market.datasets['ds-1']!.txId,
      ...Object.values(market.purchases).flatMap((p) => [p.txId, p.settledTxId!]),
      ...market.ratings.map((r) => r.txId),
    ]) {
      expect(rig.coordinator.chain.proof(txId).ok).toBe(true)
    }

    // No raw row left the provider's client: no line of the file, no column of values.
    const rawLines = csvText.split('\n').slice(1, 30).filter(Boolean)
    const text = JSON.stringify(sent, (_k, v) =>
      ArrayBuffer.isView(v) || v instanceof ArrayBuffer ? Buffer.from(v as ArrayBuffer).toString('hex') : v,
    )
    for (const line of rawLines) expect(text.includes(line)).toBe(false)
    const longNumberArrays = (value: unknown): boolean =>
      Array.isArray(value)
        ? (value.length > 50 && value.every((v) => typeof v === 'number')) || value.some(longNumberArrays)
        : !!value && typeof value === 'object' && Object.values(value).some(longNumberArrays)
    expect(longNumberArrays(sent)).toBe(false)
  })
})
