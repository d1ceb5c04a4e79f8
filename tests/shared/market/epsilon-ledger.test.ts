import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '../../../shared/chain/keys'
import { copyHash } from '../../../shared/market/copy-hash'
import { epsilonLeft, epsilonSpent } from '../../../shared/market/epsilon-ledger'
import { budgetedListingPayload, buyerKey, listingPayload } from '../../helpers/market-fixtures'
import { Ledger } from '../../helpers/market-ledger'

const hashA = copyHash('age,bmi\n1,2\n')
const hashB = copyHash('age,bmi\n3,4\n')
const delivery = 'd'.repeat(64)

/** A provider, three consumers with 100 tokens each, and a budgeted listing (summary 1, copy 2, training 2, budget 10). */
function setup(overrides: Record<string, unknown> = {}) {
  const ledger = new Ledger()
  const [provider, alice, bob, carol] = [
    generateKeyPair(),
    generateKeyPair(),
    generateKeyPair(),
    generateKeyPair(),
  ]
  for (const k of [provider, alice, bob, carol]) ledger.must(k, 'token.claim', {})
  ledger.must(provider, 'market.register-provider', { name: 'Clinic A', description: '' })
  for (const k of [alice, bob, carol]) ledger.must(k, 'market.register-consumer', { name: 'Lab' })
  ledger.must(provider, 'market.list-dataset', budgetedListingPayload(overrides))
  const listing = () => ledger.market.datasets['ds-1']!
  const buyCopy = (who = alice, copyKind = 'per-row') =>
    ledger.must(who, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', copyKind, buyerKey })
  const deliver = (purchaseId: string, hash = hashA) =>
    ledger.send(provider, 'market.deliver', { purchaseId, deliveryHash: delivery, copyHash: hash })
  return { ledger, provider, alice, bob, carol, listing, buyCopy, deliver }
}

describe('per-provider epsilon ledger', () => {
  it('a listing states its budget, not its exact rows, and its summary is the first charge', () => {
    const { listing } = setup()
    const l = listing()
    expect(l.rows).toBeUndefined()
    expect(l).toMatchObject({ epsilonBudget: 10, trainingEpsilon: 2 })
    expect(l.epsilonCharges).toEqual([{ what: 'statistics', epsilon: 1, txId: l.txId }])
    expect(epsilonSpent(l)).toBe(1)
    expect(epsilonLeft(l)).toBe(9)
  })

  it('refuses listings that publish the exact count, have no budget, or whose releases cannot fit', () => {
    const { ledger, provider } = setup()
    const refuse = (payload: Record<string, unknown>, code: 'bad-payload' | 'over-budget', why: RegExp) =>
      ledger.refused(provider, 'market.list-dataset', payload, code, why)
    refuse({ ...budgetedListingPayload(), rows: 100 }, 'bad-payload', /exact row count is not published/)
    const { epsilonBudget: _, ...noBudget } = budgetedListingPayload()
    refuse(noBudget, 'bad-payload', /set an epsilon budget/)
    refuse(budgetedListingPayload({ epsilonBudget: 101 }), 'bad-payload', /epsilonBudget/)
    const { trainingEpsilon: __, ...noRunEpsilon } = budgetedListingPayload()
    refuse(noRunEpsilon, 'bad-payload', /trainingEpsilon/)
    refuse(
      budgetedListingPayload({ epsilonBudget: 0.5 }),
      'over-budget',
      /epsilon 0.5 of 0.5 left; its DP summary at epsilon 1 costs 1/,
    )
    refuse(
      budgetedListingPayload({ epsilonBudget: 2.5 }),
      'over-budget',
      /epsilon 1.5 of 2.5 left; a copy at epsilon 2 costs 2/,
    )
    refuse(
      budgetedListingPayload({ epsilonBudget: 4, trainingEpsilon: 3.5 }),
      'over-budget',
      /epsilon 3 of 4 left; a training run at epsilon 3.5 costs 3.5/,
    )
  })

  it('charges a copy once per kind: a repeat sale delivers the same copy and costs nothing more', () => {
    const { ledger, provider, alice, bob, listing, buyCopy, deliver } = setup()
    buyCopy(alice)
    expect(epsilonSpent(listing())).toBe(3)
    expect(ledger.market.purchases['p-1']).toMatchObject({ copyEpsilon: 2, epsilonCharged: 2 })
    expect(deliver('p-1').result.ok).toBe(true)
    buyCopy(bob)
    expect(ledger.market.purchases['p-2']).toMatchObject({ copyEpsilon: 2, epsilonCharged: 0 })
    expect(epsilonSpent(listing())).toBe(3)
    // A new copy would be a new release: only the bytes delivered first are accepted.
    ledger.refused(
      provider,
      'market.deliver',
      { purchaseId: 'p-2', deliveryHash: delivery, copyHash: hashB },
      'invalid-state',
      /per-row copy at epsilon 2 was delivered as .*deliver that copy again/,
    )
    ledger.refused(
      provider,
      'market.deliver',
      { purchaseId: 'p-2', deliveryHash: delivery },
      'bad-payload',
      /copyHash/,
    )
    expect(deliver('p-2').result.ok).toBe(true)
    expect(ledger.market.purchases['p-2']!.copyHash).toBe(hashA)
    // The synthetic copy is another release: charged once too.
    buyCopy(alice, 'synthetic')
    expect(epsilonSpent(listing())).toBe(5)
    expect(listing().epsilonCharges!.map((c) => [c.what, c.copyKind, c.copyHash])).toEqual([
      ['statistics', undefined, undefined],
      ['copy', 'per-row', hashA],
      ['copy', 'synthetic', undefined],
    ])
  })

  it('refuses a sale the budget cannot pay, naming what is left; nothing changes', () => {
    const { ledger, alice, bob, carol, listing, buyCopy } = setup({ epsilonBudget: 6 })
    buyCopy(alice) // 1 + 2
    ledger.must(bob, 'market.purchase', { datasetId: 'ds-1', kind: 'training' }) // + 2 = 5
    ledger.refused(
      carol,
      'market.purchase',
      { datasetId: 'ds-1', kind: 'training' },
      'over-budget',
      /^dataset ds-1 has epsilon 1 of 6 left; a training run at epsilon 2 costs 2$/,
    )
    ledger.refused(
      carol,
      'market.purchase',
      { datasetId: 'ds-1', kind: 'copy', copyKind: 'synthetic', buyerKey },
      'over-budget',
      /^dataset ds-1 has epsilon 1 of 6 left; a synthetic copy at epsilon 2 costs 2$/,
    )
    // The per-row copy is already paid for: it still sells.
    buyCopy(carol)
    expect(epsilonSpent(listing())).toBe(5)
    expect(ledger.balance(carol)).toBe(70)
  })

  it('a cancelled sale gives back what was never released', () => {
    const { ledger, alice, bob, listing, buyCopy, deliver } = setup()
    ledger.must(bob, 'market.purchase', { datasetId: 'ds-1', kind: 'training' })
    expect(epsilonSpent(listing())).toBe(3)
    ledger.must(bob, 'market.cancel', { purchaseId: 'p-1' })
    expect(epsilonSpent(listing())).toBe(1)
    // A copy two buyers wait for stays charged until neither does.
    buyCopy(alice) // p-2
    buyCopy(bob) // p-3
    ledger.must(alice, 'market.cancel', { purchaseId: 'p-2' })
    expect(epsilonSpent(listing())).toBe(3)
    ledger.must(bob, 'market.cancel', { purchaseId: 'p-3' })
    expect(epsilonSpent(listing())).toBe(1)
    // Once delivered, the copy is out: a later cancelled sale of it gives nothing back.
    buyCopy(alice) // p-4
    expect(deliver('p-4').result.ok).toBe(true)
    buyCopy(bob) // p-5
    ledger.must(bob, 'market.cancel', { purchaseId: 'p-5' })
    expect(epsilonSpent(listing())).toBe(3)
  })

  it('listings from before the budget are sold as they were: no ledger field is written', () => {
    const { ledger, provider, alice } = setup()
    ledger.must(provider, 'market.list-dataset', listingPayload())
    ledger.must(alice, 'market.purchase', { datasetId: 'ds-2', kind: 'copy', buyerKey })
    ledger.must(provider, 'market.deliver', { purchaseId: 'p-1', deliveryHash: delivery })
    const legacy = ledger.market.datasets['ds-2']!
    expect(legacy.rows).toBe(100)
    for (const field of ['epsilonBudget', 'trainingEpsilon', 'epsilonCharges'])
      expect(Object.hasOwn(legacy, field)).toBe(false)
    for (const field of ['copyEpsilon', 'epsilonCharged', 'copyHash'])
      expect(Object.hasOwn(ledger.market.purchases['p-1']!, field)).toBe(false)
    expect(epsilonLeft(legacy)).toBe(Number.POSITIVE_INFINITY)
  })
})
