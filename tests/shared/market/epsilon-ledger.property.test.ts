import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '../../../shared/chain/keys'
import { copyHash } from '../../../shared/market/copy-hash'
import { epsilonLeft, epsilonSpent, epsilonText, isBudgeted } from '../../../shared/market/epsilon-ledger'
import type { Listing, MarketState } from '../../../shared/market/types'
import { budgetedListingPayload, buyerKey } from '../../helpers/market-fixtures'
import { Ledger } from '../../helpers/market-ledger'

/** Epsilons on a grid and off it (fast-check's doubles: tiny, boundary), so sums are not all exact in binary. */
const epsilon = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0.1, 0.3, 0.5, 1, 2, 2.5) },
  { weight: 1, arbitrary: fc.double({ min: 0.01, max: 4, noNaN: true }) },
)
const listing = fc.record({
  kind: fc.constant('list' as const),
  budget: fc.oneof(fc.constantFrom(1, 3, 5, 10), fc.double({ min: 0.5, max: 12, noNaN: true })),
  summary: epsilon,
  copy: epsilon,
  training: epsilon,
})
const who = fc.nat(2)
const dataset = fc.nat(1)
const op = fc.oneof(
  { weight: 1, arbitrary: listing },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('copy' as const),
      who,
      dataset,
      copyKind: fc.constantFrom('per-row', 'synthetic'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('training' as const), who, dataset }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), fresh: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
)

/**
 * What the budget must have paid, from the purchases alone: the summary, each copy (kind, epsilon) that a sale
 * holds or has received, and every training run not cancelled.
 */
function expectedSpent(market: MarketState, l: Listing): number {
  const sales = Object.values(market.purchases).filter((p) => p.datasetId === l.datasetId)
  const live = sales.filter((p) => p.status !== 'cancelled')
  const kinds = new Set(live.filter((p) => p.kind === 'copy').map((p) => p.copyKind))
  const runs = live.filter((p) => p.kind === 'training').length
  return l.summary.epsilon + kinds.size * l.copyEpsilon + runs * (l.trainingEpsilon ?? 0)
}

describe('per-provider epsilon ledger, property-based', () => {
  it('spent never exceeds the budget, equals what was released or reserved, and refusals name what is left', () => {
    let refusals = 0
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 40 }), (ops) => {
        const ledger = new Ledger(1000)
        const provider = generateKeyPair()
        const buyers = [generateKeyPair(), generateKeyPair(), generateKeyPair()]
        for (const k of [provider, ...buyers]) ledger.must(k, 'token.claim', {})
        ledger.must(provider, 'market.register-provider', { name: 'P', description: '' })
        for (const k of buyers) ledger.must(k, 'market.register-consumer', { name: 'B' })
        for (const o of ops) {
          const datasets = Object.values(ledger.market.datasets)
          const pending = Object.values(ledger.market.purchases).filter((p) => p.status === 'pending')
          const copies = pending.filter((p) => p.kind === 'copy')
          let sent: ReturnType<Ledger['send']> | null = null
          let target: Listing | undefined
          if (o.kind === 'list') {
            const payload = budgetedListingPayload({
              epsilonBudget: o.budget,
              copyEpsilon: o.copy,
              trainingEpsilon: o.training,
              summary: { ...budgetedListingPayload().summary, epsilon: o.summary },
              copyPrice: 1,
              trainingPrice: 1,
            })
            sent = ledger.send(provider, 'market.list-dataset', payload)
          } else if (o.kind === 'copy' || o.kind === 'training') {
            target = datasets[o.dataset % Math.max(1, datasets.length)]
            if (!target) continue
            const payload =
              o.kind === 'copy'
                ? { datasetId: target.datasetId, kind: 'copy', copyKind: o.copyKind, buyerKey }
                : { datasetId: target.datasetId, kind: 'training' }
            sent = ledger.send(buyers[o.who]!, 'market.purchase', payload)
          } else if (o.kind === 'deliver') {
            const sale = copies[o.pick % Math.max(1, copies.length)]
            if (!sale) continue
            const held = ledger.market.datasets[sale.datasetId]!.epsilonCharges?.find(
              (c) => c.what === 'copy' && c.copyKind === sale.copyKind,
            )?.copyHash
            const hash = o.fresh || !held ? copyHash(`copy ${ledger.clock}`) : held
            sent = ledger.send(provider, 'market.deliver', {
              purchaseId: sale.purchaseId,
              deliveryHash: 'd'.repeat(64),
              copyHash: hash,
            })
            // A second, different copy of the same kind is never accepted.
            if (held && hash !== held) expect(sent.result.ok).toBe(false)
          } else {
            const sale = pending[o.pick % Math.max(1, pending.length)]
            if (!sale) continue
            sent = ledger.send(buyers.find((b) => b.address === sale.buyer)!, 'market.cancel', {
              purchaseId: sale.purchaseId,
            })
          }
          if (!sent.result.ok && sent.result.error.code === 'over-budget') {
            refusals++
            // The reason names the budget and what was left before the sale, and the cost did not fit.
            const before = target ?? null
            const message = sent.result.error.message
            const [, left, of, cost] = message.match(/has epsilon (\S+) of (\S+) left; .* costs (\S+)$/) ?? []
            expect(left, message).toBeDefined()
            // (Figures are shown to the millionth: a cost within half a millionth of what is left reads equal.)
            expect(Number(cost)).toBeGreaterThanOrEqual(Number(left))
            if (before && isBudgeted(before)) {
              expect(left).toBe(epsilonText(epsilonLeft(before)))
              expect(of).toBe(epsilonText(before.epsilonBudget))
            }
          }
          for (const l of Object.values(ledger.market.datasets)) {
            expect(isBudgeted(l)).toBe(true)
            expect(epsilonLeft(l)).toBeGreaterThanOrEqual(0)
            expect(epsilonSpent(l)).toBeLessThanOrEqual(l.epsilonBudget! + 1e-9)
            // Charges are counted in millionths, each rounded up: within a millionth per charge.
            const charges = l.epsilonCharges?.length ?? 0
            expect(Math.abs(epsilonSpent(l) - expectedSpent(ledger.market, l))).toBeLessThanOrEqual(
              charges * 1e-6,
            )
            const copyCharges = (l.epsilonCharges ?? []).filter((c) => c.what === 'copy')
            expect(new Set(copyCharges.map((c) => c.copyKind)).size).toBe(copyCharges.length)
          }
        }
      }),
      { numRuns: 60 },
    )
    // The sequences reach the budget: refusals were checked, not only acceptances.
    expect(refusals).toBeGreaterThan(10)
  })
})
