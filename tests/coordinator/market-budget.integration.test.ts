import { describe, expect, it } from 'vitest'
import { MarketClient } from '../../client/market/market-client'
import { marketOf } from '../../shared/chain/state'
import { copyHash } from '../../shared/market/copy-hash'
import { readDatasetFrame } from '../../shared/market/dataset-frame'
import { epsilonLeft, epsilonSpent } from '../../shared/market/epsilon-ledger'
import { clinicCsv, clinicCsvSchema, must, useMarketRig } from '../helpers/market-rig'

const rig = useMarketRig()

describe("a dataset's epsilon budget over real sockets", () => {
  it('resells the one copy of a kind at no further epsilon, and refuses a sale the budget cannot pay, with what is left', async () => {
    const [provider, alice, bob, carol] = await Promise.all([1, 2, 3, 4].map(() => rig.participant()))
    must(await provider!.registerProvider('Clinic A', ''))
    for (const c of [alice!, bob!, carol!]) must(await c.registerConsumer('Lab'))
    const read = readDatasetFrame(clinicCsv, clinicCsvSchema)
    must(
      await provider!.listDataset(read.frame, {
        name: 'Clinic A visits',
        description: '',
        category: 'medical',
        tags: [],
        schema: clinicCsvSchema,
        licence: '',
        copyPrice: 10,
        trainingPrice: 10,
        copyEpsilon: 2,
        trainingRounds: 1,
        summaryEpsilon: 1,
        epsilonBudget: 4.5,
        trainingEpsilon: 2,
      }),
    )

    // Two buyers of the per-row copy: the first sale charges it, the second gets the very same bytes.
    must(await alice!.purchase('ds-1', 'copy'))
    must(await bob!.purchase('ds-1', 'copy'))
    const sales = must(await provider!.wallet()).sales
    expect(sales.map((s) => s.epsilonCharged)).toEqual([2, 0])
    for (const sale of sales) must(await provider!.deliverCopy(sale, read.frame, clinicCsvSchema, 2))
    const [first, second] = [must(await alice!.fetchCopy('p-1')), must(await bob!.fetchCopy('p-2'))]
    expect(second).toBe(first)
    const delivered = marketOf(rig.coordinator.chain.state).purchases
    expect(delivered['p-1']!.copyHash).toBe(copyHash(first))
    expect(delivered['p-2']!.copyHash).toBe(copyHash(first))

    // 1 (summary) + 2 (the per-row copy) of 4.5 spent: neither a synthetic copy nor a training run fits.
    const page = must(await carol!.dataset('ds-1')).listing
    expect([epsilonSpent(page), epsilonLeft(page)]).toEqual([3, 1.5])
    const before = must(await carol!.wallet()).account.balance
    const synthetic = await carol!.purchase('ds-1', 'copy', 'synthetic')
    expect(synthetic.ok).toBe(false)
    expect(!synthetic.ok && synthetic.error).toEqual({
      code: 'over-budget',
      message: 'dataset ds-1 has epsilon 1.5 of 4.5 left; a synthetic copy at epsilon 2 costs 2',
    })
    const training = await carol!.purchase('ds-1', 'training')
    expect(!training.ok && training.error.message).toBe(
      'dataset ds-1 has epsilon 1.5 of 4.5 left; a training run at epsilon 2 costs 2',
    )
    expect(must(await carol!.wallet()).account.balance).toBe(before)
    // The per-row copy is paid for: carol can still buy it.
    must(await carol!.purchase('ds-1', 'copy'))
    expect(epsilonSpent(must(await carol!.dataset('ds-1')).listing)).toBe(3)
    // The provider's key in another browser, which does not keep that copy, cannot deliver a new one; its own can.
    const sale = must(await provider!.wallet()).sales.find((s) => s.status === 'pending')!
    const elsewhere = new MarketClient(provider!.socket, provider!.keys, provider!.envelope)
    const refused = await elsewhere.deliverCopy(sale, read.frame, clinicCsvSchema, 2)
    expect(!refused.ok && refused.error.message).toMatch(
      /^the per-row copy of ds-1 sold before \([0-9a-f]{12}…\) is not kept here/,
    )
    must(await provider!.deliverCopy(sale, read.frame, clinicCsvSchema, 2))
    expect(must(await carol!.fetchCopy(sale.purchaseId))).toBe(first)
  })
})
