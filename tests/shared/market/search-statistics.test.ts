import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '../../../shared/chain/keys'
import { applyTransaction } from '../../../shared/chain/ledger'
import { accountOf, type ChainState, emptyState, marketOf } from '../../../shared/chain/state'
import { signTransaction } from '../../../shared/chain/transaction'
import { providerReputation } from '../../../shared/market/reputation'
import { searchDatasets } from '../../../shared/market/search'
import { marketStatistics } from '../../../shared/market/statistics'
import { buyerKey, listingPayload } from '../../helpers/market-fixtures'

const DAY = 86_400_000
const START = Date.UTC(2026, 0, 1)

function market() {
  let state: ChainState = emptyState('s')
  const send = (keys: ReturnType<typeof generateKeyPair>, type: string, payload: unknown, at: number) => {
    const tx = signTransaction(keys, {
      chainId: 's',
      nonce: accountOf(state, keys.address).nonce,
      type,
      payload: payload as never,
      timestamp: at,
    })
    const r = applyTransaction(state, tx)
    if (!r.ok) throw new Error(`${type}: ${r.error.message}`)
    state = r.value
  }
  const producer = generateKeyPair()
  const [p1, p2, a, b] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()]
  send(producer, 'chain.genesis', { faucetAmount: 1000 }, START)
  for (const k of [p1!, p2!, a!, b!]) send(k, 'token.claim', {}, START)
  send(p1!, 'market.register-provider', { name: 'Clinic', description: '' }, START)
  send(p2!, 'market.register-provider', { name: 'Bank', description: '' }, START)
  send(a!, 'market.register-consumer', { name: 'A' }, START)
  send(b!, 'market.register-consumer', { name: 'B' }, START)
  send(
    p1!,
    'market.list-dataset',
    listingPayload({ name: 'Diabetes visits', copyPrice: 30, trainingPrice: 60 }),
    START + 1,
  )
  send(
    p2!,
    'market.list-dataset',
    listingPayload({
      name: 'Card spending',
      category: 'finance',
      tags: ['fraud', 'cards'],
      description: 'Monthly card spending',
      copyPrice: 80,
      trainingPrice: null,
    }),
    START + 2,
  )
  send(
    p1!,
    'market.list-dataset',
    listingPayload({ name: 'Heart rates', tags: ['cardio'], copyPrice: null, trainingPrice: 20 }),
    START + 3,
  )
  send(a!, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', buyerKey }, START + DAY)
  send(b!, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', buyerKey }, START + DAY + 5)
  send(a!, 'market.purchase', { datasetId: 'ds-2', kind: 'copy', buyerKey }, START + 2 * DAY)
  send(p1!, 'market.deliver', { purchaseId: 'p-1', deliveryHash: 'a'.repeat(64) }, START + 2 * DAY)
  send(p1!, 'market.deliver', { purchaseId: 'p-2', deliveryHash: 'b'.repeat(64) }, START + 2 * DAY)
  send(p2!, 'market.deliver', { purchaseId: 'p-3', deliveryHash: 'c'.repeat(64) }, START + 2 * DAY)
  send(a!, 'market.rate', { purchaseId: 'p-1', stars: 5 }, START + 3 * DAY)
  send(b!, 'market.rate', { purchaseId: 'p-2', stars: 3 }, START + 3 * DAY)
  send(a!, 'market.rate', { purchaseId: 'p-3', stars: 2 }, START + 3 * DAY)
  return { state, p1: p1!, p2: p2! }
}

describe('searchDatasets', () => {
  const { state } = market()
  const m = marketOf(state)
  const names = (r: ReturnType<typeof searchDatasets>) => r.hits.map((h) => h.listing.name)

  it('matches every word over name, description and tags, case-insensitively', () => {
    expect(names(searchDatasets(m, { text: 'CARD fraud' }))).toEqual(['Card spending'])
    expect(names(searchDatasets(m, { text: 'cardio' }))).toEqual(['Heart rates'])
    expect(searchDatasets(m, { text: 'nothing-like-this' }).total).toBe(0)
  })

  it('filters by category, price range, minimum rating and sale type', () => {
    expect(names(searchDatasets(m, { category: 'finance' }))).toEqual(['Card spending'])
    expect(names(searchDatasets(m, { maxPrice: 30, sort: 'price' }))).toEqual([
      'Heart rates',
      'Diabetes visits',
    ])
    expect(names(searchDatasets(m, { minRating: 3.5 }))).toEqual(['Diabetes visits'])
    expect(names(searchDatasets(m, { saleType: 'training', sort: 'price' }))).toEqual([
      'Heart rates',
      'Diabetes visits',
    ])
  })

  it('sorts by price, rating, popularity and recency, and pages', () => {
    expect(names(searchDatasets(m, { sort: 'price', order: 'desc' }))).toEqual([
      'Card spending',
      'Diabetes visits',
      'Heart rates',
    ])
    expect(names(searchDatasets(m, { sort: 'rating' }))[0]).toBe('Diabetes visits')
    expect(names(searchDatasets(m, { sort: 'popularity' }))[0]).toBe('Diabetes visits')
    expect(names(searchDatasets(m, { sort: 'recency' }))).toEqual([
      'Heart rates',
      'Card spending',
      'Diabetes visits',
    ])
    const page2 = searchDatasets(m, { sort: 'recency', pageSize: 2, page: 2 })
    expect(page2).toMatchObject({ total: 3, pages: 2, page: 2 })
    expect(names(page2)).toEqual(['Diabetes visits'])
    expect(() => searchDatasets(m, { pageSize: 0 })).toThrow(/pageSize/)
  })
})

describe('marketStatistics and reputation', () => {
  it('reflect the trades made: totals, volume per day, price trends, popular, top rated, top providers', () => {
    const { state, p1 } = market()
    const s = marketStatistics(state)
    expect(s.totals).toMatchObject({
      datasets: 3,
      providers: 2,
      consumers: 2,
      purchases: 3,
      volume: 140,
      ratings: 3,
    })
    // A week ending on the last day of trades, the days without any at 0 (a time axis, not just the trading days).
    expect(s.daily).toEqual([
      ...['2025-12-28', '2025-12-29', '2025-12-30', '2025-12-31', '2026-01-01'].map((day) => ({
        day,
        transactions: 0,
        volume: 0,
      })),
      { day: '2026-01-02', transactions: 2, volume: 60 },
      { day: '2026-01-03', transactions: 1, volume: 80 },
    ])
    expect(s.priceTrends.find((t) => t.category === 'medical')!.points).toEqual([
      { day: '2026-01-02', meanPrice: 30, purchases: 2 },
    ])
    expect(s.mostPopular[0]).toMatchObject({ datasetId: 'ds-1', purchases: 2 })
    expect(s.topRated.map((t) => [t.datasetId, t.average])).toEqual([
      ['ds-1', 4],
      ['ds-2', 2],
    ])
    expect(s.topProviders.map((p) => [p.name, p.revenue])).toEqual([
      ['Bank', 80],
      ['Clinic', 60],
    ])
    const rep = providerReputation(state, p1.address)
    // (5 + 3 + 3 * 2) / (2 + 2) = 3.5, plus 0.5 * (1 - e^(-2/5)) for two deliveries.
    expect(rep.score).toBeCloseTo(3.5 + 0.5 * (1 - Math.exp(-2 / 5)), 12)
    expect(rep).toMatchObject({ ratings: 2, averageStars: 4, deliveries: 2 })
  })
})
