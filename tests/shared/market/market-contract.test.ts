import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '../../../shared/chain/keys'
import { circulating, marketOf } from '../../../shared/chain/state'
import { buyerKey, listingPayload } from '../../helpers/market-fixtures'
import { Ledger } from '../../helpers/market-ledger'

function setup() {
  const ledger = new Ledger()
  const provider = generateKeyPair()
  const alice = generateKeyPair()
  const bob = generateKeyPair()
  for (const k of [provider, alice, bob]) ledger.must(k, 'token.claim', {})
  ledger.must(provider, 'market.register-provider', { name: 'Clinic A', description: 'outpatient data' })
  ledger.must(alice, 'market.register-consumer', { name: 'Alice Labs' })
  ledger.must(bob, 'market.register-consumer', { name: 'Bob Research' })
  const listTx = ledger.must(provider, 'market.list-dataset', listingPayload())
  return { ledger, provider, alice, bob, listTx }
}

describe('market contract: every operation', () => {
  it('registers profiles and lists a dataset with its schema, DP summary and the transaction that listed it', () => {
    const { ledger, provider, listTx } = setup()
    const listing = ledger.market.datasets['ds-1']!
    expect(listing).toMatchObject({
      provider: provider.address,
      status: 'listed',
      copyPrice: 30,
      txId: listTx,
    })
    expect(ledger.market.providers[provider.address]!.name).toBe('Clinic A')
    // Registering again updates the profile and keeps the first registration time.
    const first = ledger.market.providers[provider.address]!.registeredAt
    ledger.must(provider, 'market.register-provider', { name: 'Clinic A (Lyon)', description: '' })
    expect(ledger.market.providers[provider.address]).toMatchObject({
      name: 'Clinic A (Lyon)',
      registeredAt: first,
    })
  })

  it('sells an anonymized copy: escrow on purchase, paid to the provider on delivery, rated once', () => {
    const { ledger, provider, alice } = setup()
    ledger.must(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', buyerKey })
    expect(ledger.balance(alice)).toBe(70)
    expect(ledger.market.purchases['p-1']).toMatchObject({ status: 'pending', escrow: 30, buyerKey })
    ledger.refused(alice, 'market.rate', { purchaseId: 'p-1', stars: 5 }, 'invalid-state', /once delivered/)
    ledger.refused(alice, 'market.deliver', { purchaseId: 'p-1', deliveryHash: 'a'.repeat(64) }, 'forbidden')
    ledger.must(provider, 'market.deliver', { purchaseId: 'p-1', deliveryHash: 'a'.repeat(64) })
    expect(ledger.balance(provider)).toBe(130)
    expect(ledger.market.purchases['p-1']).toMatchObject({ status: 'delivered', escrow: 0 })
    expect(ledger.market.datasets['ds-1']).toMatchObject({ purchases: 1, revenue: 30 })
    ledger.refused(alice, 'market.cancel', { purchaseId: 'p-1' }, 'invalid-state', /too late/)
    ledger.must(alice, 'market.rate', { purchaseId: 'p-1', stars: 4, comment: 'clean <b>data</b>' })
    expect(ledger.market.ratings[0]).toMatchObject({
      stars: 4,
      comment: 'clean <b>data</b>',
      datasetId: 'ds-1',
    })
    ledger.refused(alice, 'market.rate', { purchaseId: 'p-1', stars: 5 }, 'duplicate-update')
  })

  it('refunds a cancelled purchase; only the buyer cancels', () => {
    const { ledger, alice, bob } = setup()
    ledger.must(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', buyerKey })
    ledger.refused(bob, 'market.cancel', { purchaseId: 'p-1' }, 'forbidden')
    ledger.must(alice, 'market.cancel', { purchaseId: 'p-1' })
    expect(ledger.balance(alice)).toBe(100)
    expect(ledger.market.purchases['p-1']!.status).toBe('cancelled')
    ledger.refused(alice, 'market.rate', { purchaseId: 'p-1', stars: 1 }, 'invalid-state')
  })

  it('records the kind of copy bought: per-row when none is named (older chains), refusing an unknown kind', () => {
    const { ledger, alice, provider } = setup()
    ledger.must(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', buyerKey })
    ledger.must(alice, 'market.purchase', {
      datasetId: 'ds-1',
      kind: 'copy',
      buyerKey,
      copyKind: 'synthetic',
    })
    expect(ledger.market.purchases['p-1']!.copyKind).toBe('per-row')
    expect(ledger.market.purchases['p-2']!.copyKind).toBe('synthetic')
    const odd = { datasetId: 'ds-1', kind: 'copy', buyerKey, copyKind: 'smoothed' }
    ledger.refused(
      alice,
      'market.purchase',
      odd,
      'bad-payload',
      /copyKind: a copy is one of "per-row", "synthetic"/,
    )
    ledger.refused(
      alice,
      'market.purchase',
      { datasetId: 'ds-1', kind: 'training', copyKind: 'synthetic' },
      'bad-payload',
      /only a copy/,
    )
    const utility = {
      epsilon: 2,
      heldOut: 80,
      majority: 0.6,
      kinds: {
        'per-row': { marginalError: 0.7, accuracy: 0.55 },
        synthetic: { marginalError: 0.2, accuracy: 0.8 },
      },
    }
    ledger.must(provider, 'market.list-dataset', { ...listingPayload(), utility })
    expect(ledger.market.datasets['ds-2']!.utility).toEqual(utility)
    const wrong = {
      ...utility,
      kinds: { ...utility.kinds, synthetic: { marginalError: 0.2, accuracy: 1.5 } },
    }
    ledger.refused(
      provider,
      'market.list-dataset',
      { ...listingPayload(), utility: wrong },
      'bad-payload',
      /accuracy/,
    )
  })

  it('sells training access: the escrow funds the task; the producer finishes it and the rest goes to the provider', () => {
    const { ledger, provider, alice } = setup()
    ledger.must(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'training' })
    ledger.refused(alice, 'market.start-training', { purchaseId: 'p-1', taskId: 'market-p-1' }, 'forbidden')
    ledger.refused(
      ledger.producer,
      'market.start-training',
      { purchaseId: 'p-1', taskId: 'market-p-1' },
      'bad-payload',
      /no task/,
    )
    ledger.must(ledger.producer, 'training.register-task', {
      taskId: 'market-p-1',
      name: 'Training',
      configHash: 'b'.repeat(64),
    })
    ledger.must(ledger.producer, 'market.start-training', { purchaseId: 'p-1', taskId: 'market-p-1' })
    expect(ledger.state.tasks['market-p-1']!.escrow).toBe(50)
    ledger.must(ledger.producer, 'training.record-round', {
      taskId: 'market-p-1',
      round: 1,
      modelRound: 1,
      modelBefore: 'c'.repeat(64),
      modelAfter: 'd'.repeat(64),
      participants: [{ address: provider.address, updateHash: 'e'.repeat(64), examples: 80 }],
      metrics: {},
      privacy: {},
      homomorphic: false,
      rewardPerExample: 0,
    })
    ledger.must(ledger.producer, 'market.finish-training', { purchaseId: 'p-1' })
    expect(ledger.balance(provider)).toBe(150)
    expect(ledger.market.purchases['p-1']!.status).toBe('completed')
    ledger.must(alice, 'market.rate', { purchaseId: 'p-1', stars: 5 })
  })

  it('refuses purchases with clear reasons: balance, own dataset, delisted, kind not for sale, unregistered, no key', () => {
    const { ledger, provider, alice, bob } = setup()
    const carol = generateKeyPair()
    ledger.must(carol, 'token.claim', {})
    ledger.refused(
      carol,
      'market.purchase',
      { datasetId: 'ds-1', kind: 'training' },
      'forbidden',
      /not a registered consumer/,
    )
    ledger.must(provider, 'market.register-consumer', { name: 'Clinic A buying' })
    ledger.refused(
      provider,
      'market.purchase',
      { datasetId: 'ds-1', kind: 'training' },
      'forbidden',
      /your own dataset/,
    )
    ledger.must(
      provider,
      'market.list-dataset',
      listingPayload({ name: 'Pricey', copyPrice: 500, trainingPrice: null }),
    )
    ledger.refused(
      alice,
      'market.purchase',
      { datasetId: 'ds-2', kind: 'copy', buyerKey },
      'insufficient-funds',
      /has 100 tokens; ds-2 costs 500/,
    )
    ledger.refused(
      alice,
      'market.purchase',
      { datasetId: 'ds-2', kind: 'training' },
      'forbidden',
      /does not sell training access/,
    )
    ledger.refused(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'copy' }, 'bad-payload', /buyerKey/)
    ledger.refused(
      alice,
      'market.purchase',
      { datasetId: 'ds-9', kind: 'copy', buyerKey },
      'bad-payload',
      /no dataset ds-9/,
    )
    ledger.refused(bob, 'market.delist', { datasetId: 'ds-1' }, 'forbidden', /belongs to/)
    ledger.must(provider, 'market.delist', { datasetId: 'ds-1' })
    ledger.refused(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'training' }, 'forbidden', /delisted/)
  })

  it('refuses bad listings naming the field, and updates prices', () => {
    const { ledger, provider, alice } = setup()
    ledger.refused(alice, 'market.list-dataset', listingPayload(), 'forbidden', /not a registered provider/)
    ledger.refused(
      provider,
      'market.list-dataset',
      listingPayload({ copyPrice: null, trainingPrice: null }),
      'bad-payload',
      /copyPrice/,
    )
    ledger.refused(
      provider,
      'market.list-dataset',
      listingPayload({ category: 'astrology' }),
      'bad-payload',
      /category/,
    )
    ledger.refused(
      provider,
      'market.list-dataset',
      listingPayload({ copyPrice: -3 }),
      'bad-payload',
      /copyPrice/,
    )
    ledger.must(provider, 'market.update-listing', { datasetId: 'ds-1', copyPrice: 10 })
    expect(ledger.market.datasets['ds-1']!.copyPrice).toBe(10)
    ledger.refused(
      provider,
      'market.update-listing',
      { datasetId: 'ds-1', copyPrice: null, trainingPrice: null },
      'bad-payload',
      /at least one/,
    )
  })
})

describe('market contract: properties', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('buy' as const), who: fc.nat(2), dataset: fc.nat(2), copy: fc.boolean() }),
    fc.record({ kind: fc.constant('deliver' as const), purchase: fc.nat(12) }),
    fc.record({ kind: fc.constant('cancel' as const), who: fc.nat(2), purchase: fc.nat(12) }),
    fc.record({ kind: fc.constant('train' as const), purchase: fc.nat(12) }),
    fc.record({ kind: fc.constant('finish' as const), purchase: fc.nat(12) }),
    fc.record({
      kind: fc.constant('transfer' as const),
      who: fc.nat(2),
      amount: fc.integer({ min: 1, max: 80 }),
    }),
    fc.record({
      kind: fc.constant('rate' as const),
      who: fc.nat(2),
      purchase: fc.nat(12),
      stars: fc.integer({ min: 1, max: 5 }),
    }),
  )

  it('no balance is ever negative and money is conserved across any sequence of purchases and payouts', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const ledger = new Ledger(60)
        const provider = generateKeyPair()
        const buyers = [generateKeyPair(), generateKeyPair(), generateKeyPair()]
        for (const k of [provider, ...buyers]) ledger.must(k, 'token.claim', {})
        ledger.must(provider, 'market.register-provider', { name: 'P', description: '' })
        for (const b of buyers) ledger.must(b, 'market.register-consumer', { name: 'B' })
        for (const price of [10, 25, 70])
          ledger.must(
            provider,
            'market.list-dataset',
            listingPayload({ copyPrice: price, trainingPrice: price + 5 }),
          )
        let task = 0
        for (const o of ops) {
          const pid = `p-${'purchase' in o ? o.purchase : 0}`
          switch (o.kind) {
            case 'buy':
              ledger.send(buyers[o.who]!, 'market.purchase', {
                datasetId: `ds-${o.dataset + 1}`,
                kind: o.copy ? 'copy' : 'training',
                buyerKey,
              })
              break
            case 'deliver':
              ledger.send(provider, 'market.deliver', { purchaseId: pid, deliveryHash: 'f'.repeat(64) })
              break
            case 'cancel':
              ledger.send(buyers[o.who]!, 'market.cancel', { purchaseId: pid })
              break
            case 'train': {
              const taskId = `t-${++task}`
              ledger.send(ledger.producer, 'training.register-task', {
                taskId,
                name: 'T',
                configHash: 'a'.repeat(64),
              })
              ledger.send(ledger.producer, 'market.start-training', { purchaseId: pid, taskId })
              const escrow = ledger.state.tasks[taskId]?.escrow ?? 0
              if (escrow > 0) {
                ledger.send(ledger.producer, 'training.record-round', {
                  taskId,
                  round: 1,
                  modelRound: 1,
                  modelBefore: 'c'.repeat(64),
                  modelAfter: 'd'.repeat(64),
                  participants: [{ address: provider.address, updateHash: 'e'.repeat(64), examples: 3 }],
                  metrics: {},
                  privacy: {},
                  homomorphic: false,
                  rewardPerExample: 2,
                })
              }
              break
            }
            case 'finish':
              ledger.send(ledger.producer, 'market.finish-training', { purchaseId: pid })
              break
            case 'transfer':
              ledger.send(buyers[o.who]!, 'token.transfer', { to: provider.address, amount: o.amount })
              break
            case 'rate':
              ledger.send(buyers[o.who]!, 'market.rate', { purchaseId: pid, stars: o.stars })
              break
          }
          const s = ledger.state
          for (const a of Object.values(s.accounts)) expect(a.balance).toBeGreaterThanOrEqual(0)
          for (const p of Object.values(marketOf(s).purchases)) expect(p.escrow).toBeGreaterThanOrEqual(0)
          expect(circulating(s)).toBe(s.supply.minted - s.supply.burned)
        }
      }),
      { numRuns: 60 },
    )
  })
})
