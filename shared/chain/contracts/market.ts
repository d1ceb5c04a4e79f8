import type { z } from 'zod'
import {
  chargeCopySale,
  chargeTrainingSale,
  openLedger,
  recordCopyDelivery,
  releaseCancelled,
} from '../../market/epsilon-ledger'
import type { Listing, MarketState, Purchase } from '../../market/types'
import { parsePayload } from '../../parse'
import { fail, ok, type Result } from '../../result'
import { hashOf, type Json } from '../encoding'
import { accountOf, type ChainState, marketOf, withAccount } from '../state'
import type { TransactionBody } from '../transaction'
import type { Contract } from './contract'
import {
  consumerSchema,
  delistSchema,
  deliverSchema,
  listSchema,
  providerSchema,
  purchaseRef,
  purchaseSchema,
  rateSchema,
  startTrainingSchema,
  updateSchema,
} from './market-payloads'
import { finishTask, withTask } from './stake'

type Market = MarketState

function withMarket(state: ChainState, market: Market): ChainState {
  return { ...state, market }
}

function credit(state: ChainState, address: string, amount: number): ChainState {
  const account = accountOf(state, address)
  return withAccount(state, address, { ...account, balance: account.balance + amount })
}

function listingOf(market: Market, id: string): Result<Listing> {
  return Object.hasOwn(market.datasets, id)
    ? ok(market.datasets[id]!)
    : fail('bad-payload', `no dataset ${id}`)
}

function purchaseOf(market: Market, id: string): Result<Purchase> {
  return Object.hasOwn(market.purchases, id)
    ? ok(market.purchases[id]!)
    : fail('bad-payload', `no purchase ${id}`)
}

const setListing = (market: Market, listing: Listing): Market => ({
  ...market,
  datasets: { ...market.datasets, [listing.datasetId]: listing },
})
const setPurchase = (market: Market, purchase: Purchase): Market => ({
  ...market,
  purchases: { ...market.purchases, [purchase.purchaseId]: purchase },
})

/**
 * The data market. Providers list datasets (with DP summaries computed in their tab) and sell anonymized copies or
 * training access; consumers buy, and rate what they bought. Money moves only between accounts and escrows, so
 * balances never go negative and the supply is conserved:
 * - `market.register-provider`, `market.register-consumer`: profiles (registering again updates the profile).
 * - `market.list-dataset`, `market.update-listing`, `market.delist` (the provider).
 * - `market.purchase`: the price moves from the buyer into the purchase's escrow. Refused: unregistered buyer,
 *   one's own dataset, a delisted dataset, a kind not for sale, or too small a balance.
 * - `market.deliver` (the provider, copies): records the hash of the sealed copy; the escrow goes to the provider.
 * - `market.cancel` (the buyer, before delivery or training): the escrow goes back.
 * - `market.start-training` (the producer): the escrow funds the buyer's training task; rounds pay the tabs that
 *   train it per example (training contract). `market.finish-training` (the producer): what is left goes to the provider;
 *   a task with a stake ends with it (its stakes are released, see the training contract).
 * - `market.rate` (the buyer, once per purchase, after delivery or training started): 1 to 5 stars, a comment.
 * Epsilon (`shared/market/epsilon-ledger.ts`): a listing's budget pays its summary when listed, the first sale of
 * each copy (kind, epsilon; later sales deliver the same copy, named by `copyHash`) and every training run; a sale
 * the budget cannot pay is refused (`over-budget`, naming what is left); a cancelled sale gives back what was not
 * released. Listings from before the budget carry their exact `rows` instead and are not charged.
 * Record ids are sequence numbers; every record keeps the id of the transaction that made it.
 */
export const marketContract: Contract = {
  prefix: 'market',
  apply(state, tx) {
    const market = marketOf(state)
    const txId = hashOf(tx as unknown as Json)
    const at = tx.timestamp
    switch (tx.type) {
      case 'market.register-provider': {
        const p = parsePayload(providerSchema, tx.payload, 'provider')
        if (!p.ok) return p
        const previous = market.providers[tx.from]
        const provider = { address: tx.from, ...p.value, registeredAt: previous?.registeredAt ?? at, txId }
        return ok(withMarket(state, { ...market, providers: { ...market.providers, [tx.from]: provider } }))
      }
      case 'market.register-consumer': {
        const p = parsePayload(consumerSchema, tx.payload, 'consumer')
        if (!p.ok) return p
        const previous = market.consumers[tx.from]
        const consumer = { address: tx.from, ...p.value, registeredAt: previous?.registeredAt ?? at, txId }
        return ok(withMarket(state, { ...market, consumers: { ...market.consumers, [tx.from]: consumer } }))
      }
      case 'market.list-dataset': {
        if (!Object.hasOwn(market.providers, tx.from))
          return fail('forbidden', `${tx.from} is not a registered provider`)
        const p = parsePayload(listSchema, tx.payload, 'listing')
        if (!p.ok) return p
        const datasetId = `ds-${market.nextDataset}`
        const listing = openLedger({
          ...p.value,
          tags: [...new Set(p.value.tags)],
          datasetId,
          provider: tx.from,
          status: 'listed',
          listedAt: at,
          txId,
          purchases: 0,
          revenue: 0,
        })
        if (!listing.ok) return listing
        return ok(
          withMarket(state, { ...setListing(market, listing.value), nextDataset: market.nextDataset + 1 }),
        )
      }
      case 'market.update-listing': {
        const p = parsePayload(updateSchema, tx.payload, 'listing update')
        if (!p.ok) return p
        const listing = owned(market, p.value.datasetId, tx)
        if (!listing.ok) return listing
        const { datasetId: _, ...changes } = p.value
        const next = { ...listing.value, ...changes }
        if (next.copyPrice === null && next.trainingPrice === null) {
          return fail('bad-payload', 'copyPrice: a listing must keep at least one kind for sale')
        }
        return ok(withMarket(state, setListing(market, next)))
      }
      case 'market.delist': {
        const p = parsePayload(delistSchema, tx.payload, 'delisting')
        if (!p.ok) return p
        const listing = owned(market, p.value.datasetId, tx)
        if (!listing.ok) return listing
        return ok(withMarket(state, setListing(market, { ...listing.value, status: 'delisted' })))
      }
      case 'market.purchase': {
        const p = parsePayload(purchaseSchema, tx.payload, 'purchase')
        if (!p.ok) return p
        if (!Object.hasOwn(market.consumers, tx.from)) {
          return fail('forbidden', `${tx.from} is not a registered consumer: register before buying`)
        }
        const listing = listingOf(market, p.value.datasetId)
        if (!listing.ok) return listing
        const l = listing.value
        if (l.provider === tx.from) return fail('forbidden', `${l.datasetId} is your own dataset`)
        if (l.status !== 'listed') return fail('forbidden', `${l.datasetId} ("${l.name}") is delisted`)
        const cost = p.value.kind === 'copy' ? l.copyPrice : l.trainingPrice
        if (cost === null)
          return fail(
            'forbidden',
            `${l.datasetId} does not sell ${p.value.kind === 'copy' ? 'anonymized copies' : 'training access'}`,
          )
        if (p.value.kind === 'copy' && !p.value.buyerKey) {
          return fail('bad-payload', "buyerKey: a copy is sealed to the buyer's envelope key; include it")
        }
        if (p.value.kind === 'training' && p.value.copyKind) {
          return fail('bad-payload', 'copyKind: only a copy has a copy kind; training access has none')
        }
        const purchaseId = `p-${market.nextPurchase}`
        const budget =
          p.value.kind === 'copy'
            ? chargeCopySale(l, p.value.copyKind ?? 'per-row', purchaseId, txId)
            : chargeTrainingSale(l, purchaseId, txId)
        if (!budget.ok) return budget
        const buyer = accountOf(state, tx.from)
        if (buyer.balance < cost) {
          return fail(
            'insufficient-funds',
            `${tx.from} has ${buyer.balance} tokens; ${l.datasetId} costs ${cost}`,
          )
        }
        const purchase: Purchase = {
          purchaseId,
          datasetId: l.datasetId,
          buyer: tx.from,
          provider: l.provider,
          kind: p.value.kind,
          ...(p.value.kind === 'copy' ? { copyKind: p.value.copyKind ?? 'per-row' } : {}),
          // Written only on listings with a budget, so older chains replay to the same state.
          ...(l.epsilonBudget === undefined
            ? {}
            : {
                ...(p.value.kind === 'copy' ? { copyEpsilon: l.copyEpsilon } : {}),
                epsilonCharged: budget.value.charged,
              }),
          price: cost,
          escrow: cost,
          status: 'pending',
          buyerKey: p.value.buyerKey ?? null,
          deliveryHash: null,
          taskId: null,
          createdAt: at,
          txId,
          settledTxId: null,
          rated: false,
        }
        const debited = withAccount(state, tx.from, { ...buyer, balance: buyer.balance - cost })
        const next = setListing(setPurchase(market, purchase), {
          ...budget.value.listing,
          purchases: l.purchases + 1,
        })
        return ok(withMarket(debited, { ...next, nextPurchase: market.nextPurchase + 1 }))
      }
      case 'market.deliver': {
        const found = purchaseIn(market, deliverSchema, tx, 'delivery')
        if (!found.ok) return found
        const { payload: p, purchase } = found.value
        if (purchase.provider !== tx.from)
          return fail('forbidden', `only the provider delivers ${purchase.purchaseId}`)
        if (purchase.kind !== 'copy')
          return fail('invalid-state', `${purchase.purchaseId} buys training access, not a copy`)
        if (purchase.status !== 'pending')
          return fail('invalid-state', `${purchase.purchaseId} is ${purchase.status}`)
        const listing = recordCopyDelivery(market.datasets[purchase.datasetId]!, purchase, p.copyHash)
        if (!listing.ok) return listing
        const paid = credit(state, purchase.provider, purchase.escrow)
        const next = setListing(
          setPurchase(market, {
            ...purchase,
            escrow: 0,
            status: 'delivered',
            deliveryHash: p.deliveryHash,
            ...(purchase.copyEpsilon !== undefined && p.copyHash ? { copyHash: p.copyHash } : {}),
            settledTxId: txId,
          }),
          { ...listing.value, revenue: listing.value.revenue + purchase.price },
        )
        return ok(withMarket(paid, next))
      }
      case 'market.cancel': {
        const found = purchaseIn(market, purchaseRef, tx, 'cancellation')
        if (!found.ok) return found
        const { purchase } = found.value
        if (purchase.buyer !== tx.from)
          return fail('forbidden', `only the buyer cancels ${purchase.purchaseId}`)
        if (purchase.status !== 'pending')
          return fail('invalid-state', `${purchase.purchaseId} is ${purchase.status}: too late to cancel`)
        const refunded = credit(state, purchase.buyer, purchase.escrow)
        const cancelled = setPurchase(market, {
          ...purchase,
          escrow: 0,
          status: 'cancelled',
          settledTxId: txId,
        })
        const listing = market.datasets[purchase.datasetId]!
        const released = releaseCancelled(listing, purchase, Object.values(market.purchases))
        return ok(withMarket(refunded, released === listing ? cancelled : setListing(cancelled, released)))
      }
      case 'market.start-training': {
        if (tx.from !== state.producer)
          return fail('forbidden', 'only the producer starts training purchases')
        const found = purchaseIn(market, startTrainingSchema, tx, 'training start')
        if (!found.ok) return found
        const { payload: p, purchase } = found.value
        if (purchase.kind !== 'training' || purchase.status !== 'pending') {
          return fail(
            'invalid-state',
            `${purchase.purchaseId} is a ${purchase.status} ${purchase.kind} purchase`,
          )
        }
        if (!Object.hasOwn(state.tasks, p.taskId)) return fail('bad-payload', `no task ${p.taskId}`)
        const task = state.tasks[p.taskId]!
        const funded = {
          ...state,
          tasks: { ...state.tasks, [task.taskId]: { ...task, escrow: task.escrow + purchase.escrow } },
        }
        return ok(
          withMarket(
            funded,
            setPurchase(market, { ...purchase, escrow: 0, status: 'training', taskId: p.taskId }),
          ),
        )
      }
      case 'market.finish-training': {
        if (tx.from !== state.producer)
          return fail('forbidden', 'only the producer finishes training purchases')
        const found = purchaseIn(market, purchaseRef, tx, 'training finish')
        if (!found.ok) return found
        const { purchase } = found.value
        if (purchase.status !== 'training' || !purchase.taskId) {
          return fail('invalid-state', `${purchase.purchaseId} is not training`)
        }
        const task = state.tasks[purchase.taskId]!
        const rest = task.escrow
        // A task with a stake ends here (its stakes go back to their owners) unless it has ended already.
        const ended = task.stake && !task.finished ? finishTask(state, task) : state
        const drained = withTask(ended, { ...ended.tasks[task.taskId]!, escrow: 0 })
        const paid = credit(drained, purchase.provider, rest)
        const listing = market.datasets[purchase.datasetId]!
        const next = setListing(
          setPurchase(market, { ...purchase, status: 'completed', settledTxId: txId }),
          {
            ...listing,
            revenue: listing.revenue + purchase.price,
          },
        )
        return ok(withMarket(paid, next))
      }
      case 'market.rate': {
        const found = purchaseIn(market, rateSchema, tx, 'rating')
        if (!found.ok) return found
        const { payload: p, purchase } = found.value
        if (purchase.buyer !== tx.from)
          return fail('forbidden', `only the buyer of ${purchase.purchaseId} rates it`)
        if (purchase.rated) return fail('duplicate-update', `${purchase.purchaseId} is already rated`)
        if (purchase.status === 'pending' || purchase.status === 'cancelled') {
          return fail(
            'invalid-state',
            `${purchase.purchaseId} is ${purchase.status}: rate it once delivered or training`,
          )
        }
        const rating = {
          purchaseId: purchase.purchaseId,
          datasetId: purchase.datasetId,
          rater: tx.from,
          stars: p.stars,
          comment: p.comment,
          at,
          txId,
        }
        const next = setPurchase(
          { ...market, ratings: [...market.ratings, rating] },
          { ...purchase, rated: true },
        )
        return ok(withMarket(state, next))
      }
      default:
        return fail('bad-payload', `unknown transaction type ${tx.type}`)
    }
  },
}

/** A transaction's payload that names a purchase, with that purchase. */
function purchaseIn<T extends { purchaseId: string }>(
  market: Market,
  schema: z.ZodType<T>,
  tx: TransactionBody,
  what: string,
): Result<{ payload: T; purchase: Purchase }> {
  const p = parsePayload(schema, tx.payload, what)
  if (!p.ok) return p
  const found = purchaseOf(market, p.value.purchaseId)
  return found.ok ? ok({ payload: p.value, purchase: found.value }) : found
}

function owned(market: Market, id: string, tx: TransactionBody): Result<Listing> {
  const listing = listingOf(market, id)
  if (!listing.ok) return listing
  if (listing.value.provider !== tx.from)
    return fail('forbidden', `${id} belongs to ${listing.value.provider}`)
  return listing
}
