import { z } from 'zod'
import {
  datasetIdSchema as datasetId,
  envelopeKeyHexSchema,
  purchaseIdSchema as purchaseId,
  sha256HexSchema,
  chainTaskIdSchema as taskId,
} from '../../ids'
import {
  COPY_KINDS,
  DATASET_CATEGORIES,
  type Listing,
  type MarketState,
  type Purchase,
} from '../../market/types'
import { parsePayload } from '../../parse'
import { fail, ok, type Result } from '../../result'
import { taskSchemaSchema } from '../../tasks/schema'
import { hashOf, type Json } from '../encoding'
import { accountOf, type ChainState, marketOf, withAccount } from '../state'
import type { TransactionBody } from '../transaction'
import type { Contract } from './contract'
import { finishTask, withTask } from './stake'

const text = (max: number) => z.string().trim().max(max)
const name = z.string().trim().min(1).max(120)
const price = z.int().min(0).max(1e12).nullable()

/** A released estimate (`DpEstimate`); optional everywhere, so listings made before intervals stay valid. */
const estimateSchema = z
  .object({ value: z.number(), scale: z.number().min(0), low: z.number(), high: z.number() })
  .refine((e) => e.low <= e.high, { message: 'low must not exceed high', path: ['low'] })
const summarySchema = z.object({
  epsilon: z.number().gt(0).max(100),
  rows: z.int().min(0).max(1e10),
  confidence: z.number().gt(0).lt(1).optional(),
  rowCount: estimateSchema.optional(),
  columns: z
    .array(
      z.object({
        name: z.string().min(1).max(200),
        kind: z.enum(['numeric', 'categorical']),
        mean: z.number().optional(),
        std: z.number().min(0).optional(),
        histogram: z
          .array(
            z.object({
              value: z.string().max(200),
              count: z.number(),
              low: z.number().optional(),
              high: z.number().optional(),
            }),
          )
          .max(1000)
          .optional(),
        meanEstimate: estimateSchema.optional(),
        variance: estimateSchema.optional(),
        countScale: z.number().min(0).optional(),
      }),
    )
    .max(2000),
})

const kindUtility = z.object({ marginalError: z.number().min(0).max(1), accuracy: z.number().min(0).max(1) })
/** `CopyUtility`: optional, so listings made before it stay valid. */
const utilitySchema = z.object({
  epsilon: z.number().gt(0).max(100),
  heldOut: z.int().min(0).max(1e10),
  majority: z.number().min(0).max(1),
  kinds: z.object({ 'per-row': kindUtility, synthetic: kindUtility }),
})
const providerSchema = z.object({ name, description: text(2000) })
const consumerSchema = z.object({ name })
const listSchema = z
  .object({
    name,
    description: text(4000),
    category: z.enum(DATASET_CATEGORIES),
    tags: z.array(z.string().trim().toLowerCase().min(1).max(40)).max(20),
    schema: taskSchemaSchema,
    rows: z.int().min(1).max(1e10),
    licence: text(1000),
    copyPrice: price,
    trainingPrice: price,
    copyEpsilon: z.number().gt(0).max(100),
    trainingRounds: z.int().min(1).max(1000),
    summary: summarySchema,
    utility: utilitySchema.optional(),
  })
  .refine((l) => l.copyPrice !== null || l.trainingPrice !== null, {
    message: 'offer an anonymized copy, training access, or both (a price for at least one)',
    path: ['copyPrice'],
  })
const updateSchema = z.object({
  datasetId,
  copyPrice: price.optional(),
  trainingPrice: price.optional(),
  description: text(4000).optional(),
  tags: z.array(z.string().trim().toLowerCase().min(1).max(40)).max(20).optional(),
})
const delistSchema = z.object({ datasetId })
const purchaseSchema = z.object({
  datasetId,
  kind: z.enum(['copy', 'training']),
  /** The buyer's P-256 envelope key (uncompressed, hex): copies are sealed to it. */
  buyerKey: envelopeKeyHexSchema.optional(),
  /** Copies: how it is anonymized. Absent (as on chains from before synthetic copies): per-row. */
  copyKind: z
    .enum(COPY_KINDS, { error: `a copy is one of ${COPY_KINDS.map((k) => `"${k}"`).join(', ')}` })
    .optional(),
})
const deliverSchema = z.object({ purchaseId, deliveryHash: sha256HexSchema })
const purchaseRef = z.object({ purchaseId })
const startTrainingSchema = z.object({ purchaseId, taskId })
const rateSchema = z.object({ purchaseId, stars: z.int().min(1).max(5), comment: text(1000).default('') })

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
        const listing: Listing = {
          ...p.value,
          tags: [...new Set(p.value.tags)],
          datasetId,
          provider: tx.from,
          status: 'listed',
          listedAt: at,
          txId,
          purchases: 0,
          revenue: 0,
        }
        return ok(withMarket(state, { ...setListing(market, listing), nextDataset: market.nextDataset + 1 }))
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
        const buyer = accountOf(state, tx.from)
        if (buyer.balance < cost) {
          return fail(
            'insufficient-funds',
            `${tx.from} has ${buyer.balance} tokens; ${l.datasetId} costs ${cost}`,
          )
        }
        const purchase: Purchase = {
          purchaseId: `p-${market.nextPurchase}`,
          datasetId: l.datasetId,
          buyer: tx.from,
          provider: l.provider,
          kind: p.value.kind,
          ...(p.value.kind === 'copy' ? { copyKind: p.value.copyKind ?? 'per-row' } : {}),
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
        const next = setListing(setPurchase(market, purchase), { ...l, purchases: l.purchases + 1 })
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
        const paid = credit(state, purchase.provider, purchase.escrow)
        const listing = market.datasets[purchase.datasetId]!
        const next = setListing(
          setPurchase(market, {
            ...purchase,
            escrow: 0,
            status: 'delivered',
            deliveryHash: p.deliveryHash,
            settledTxId: txId,
          }),
          { ...listing, revenue: listing.revenue + purchase.price },
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
        return ok(
          withMarket(
            refunded,
            setPurchase(market, { ...purchase, escrow: 0, status: 'cancelled', settledTxId: txId }),
          ),
        )
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
