import { z } from 'zod'
import { addressOf } from '../../shared/chain/keys'
import { transactionSchema } from '../../shared/chain/schema'
import { accountOf, marketOf } from '../../shared/chain/state'
import type { SignedTransaction } from '../../shared/chain/transaction'
import { isBinary } from '../../shared/codec'
import { identityProofSchema, noPayloadSchema } from '../../shared/guards'
import { checkIdentityProof } from '../../shared/identity/proof'
import { addressSchema, publicKeyHexSchema, purchaseIdSchema } from '../../shared/ids'
import type { DatasetView, MarketClientEvents, WalletView } from '../../shared/market/protocol'
import { datasetRating, providerReputation } from '../../shared/market/reputation'
import { sealedHash } from '../../shared/market/sealed-hash'
import { searchDatasets, searchQuerySchema } from '../../shared/market/search'
import { marketStatistics } from '../../shared/market/statistics'
import type { Purchase } from '../../shared/market/types'
import { fail, ok } from '../../shared/result'
import type { ChainService } from '../chain/chain-service'
import { type ClientHandlers, type ClientServer, takeChallenge } from '../client-gateway'
import type { AddressBudget } from '../socket/address-budget'
import { bulky, guarded } from '../socket/handler-table'
import { EVENT_COST } from '../socket/limits'
import type { TaskRegistry } from '../task-registry'
import { purchasedModel, trainingProgress } from './bought-model'
import type { DeliveryStore } from './delivery-store'
import { marketTaskProvider } from './training-broker'

const binary = z.custom<ArrayBuffer | ArrayBufferView>(isBinary, { message: 'expected binary bytes' })
const datasetRequest = z.object({ datasetId: z.string().min(1).max(40) })
const walletRequest = z.object({
  address: addressSchema,
})
type MarketHandlers = Pick<ClientHandlers, keyof MarketClientEvents>

const purchaseRequest = z.object({ purchaseId: purchaseIdSchema })
const deliverRequest = z.object({
  tx: transactionSchema,
  sealed: z.object({ senderPublicKey: binary, iv: binary, ciphertext: binary }),
})
const modelRequest = z.object({
  purchaseId: purchaseIdSchema,
  publicKey: publicKeyHexSchema,
  proof: identityProofSchema,
})

/**
 * The market's events (`market:*`): reads (search, dataset pages, statistics, wallets) are computed from the chain
 * state; writes are signed transactions (`client:transaction`), except a delivery, which carries the sealed copy with
 * its signed `market.deliver` so the coordinator stores exactly the bytes whose hash goes on the chain.
 */
export function marketHandlers(
  io: ClientServer,
  chain: ChainService,
  deliveries: DeliveryStore,
  tasks: TaskRegistry,
  /** Chain transactions per address (a delivery is a block kept for good). */
  transactions: AddressBudget,
): MarketHandlers {
  /** A round of a bought training task was recorded: its buyer's wallet shows the progress. */
  const boughtRound = (tx: SignedTransaction): boolean => {
    if (tx.body.type !== 'training.record-round') return false
    const taskId = (tx.body.payload as { taskId?: unknown }).taskId
    return typeof taskId === 'string' && marketTaskProvider(chain.state, taskId) !== null
  }
  chain.onApplied((tx, block) => {
    if (tx.body.type.startsWith('market.') || boughtRound(tx))
      io.emit('market:changed', { type: tx.body.type, txId: tx.id, block })
  })
  const state = () => chain.state
  const named = (p: Purchase) => ({
    ...p,
    datasetName: marketOf(state()).datasets[p.datasetId]?.name ?? p.datasetId,
  })

  return {
    'market:search': guarded('search', searchQuerySchema, (q) => ok(searchDatasets(marketOf(state()), q))),

    'market:dataset': guarded('dataset request', datasetRequest, (r) => {
      const market = marketOf(state())
      if (!Object.hasOwn(market.datasets, r.datasetId))
        return fail('bad-payload', `no dataset ${r.datasetId}`)
      const listing = market.datasets[r.datasetId]!
      const view: DatasetView = {
        listing,
        ratings: market.ratings.filter((x) => x.datasetId === listing.datasetId),
        average: datasetRating(market, listing.datasetId).average,
        provider: {
          ...market.providers[listing.provider]!,
          reputation: providerReputation(state(), listing.provider),
        },
      }
      return ok(view)
    }),

    'market:statistics': guarded('statistics', noPayloadSchema, () => ok(marketStatistics(state()))),

    'market:wallet': guarded('wallet request', walletRequest, (r) => {
      const address = r.address
      const s = state()
      const market = marketOf(s)
      const purchases = Object.values(market.purchases)
      const provider = Object.hasOwn(market.providers, address) ? market.providers[address]! : null
      const view: WalletView = {
        account: { chainId: s.chainId, address, ...accountOf(s, address), faucetAmount: s.faucetAmount },
        provider: provider && { ...provider, reputation: providerReputation(s, address) },
        consumer: Object.hasOwn(market.consumers, address) ? market.consumers[address]! : null,
        purchases: purchases
          .filter((p) => p.buyer === address)
          .map((p) => {
            const training = trainingProgress(s, p, p.taskId ? tasks.get(p.taskId) : undefined)
            return training ? { ...named(p), training } : named(p)
          }),
        sales: purchases.filter((p) => p.provider === address).map(named),
        datasets: Object.values(market.datasets).filter((d) => d.provider === address),
      }
      return ok(view)
    }),

    'market:deliver': bulky(
      guarded(
        'delivery',
        deliverRequest,
        async (r, c) => {
          const tx = r.tx as unknown as SignedTransaction
          const budget = await transactions.take(c.socket)
          if (budget) return budget
          if (tx.body.type !== 'market.deliver')
            return fail('bad-payload', 'tx: a delivery carries a market.deliver transaction')
          const hash = sealedHash(r.sealed)
          const named = (tx.body.payload as { deliveryHash?: unknown }).deliveryHash
          if (named !== hash) {
            return fail(
              'bad-payload',
              `tx.payload.deliveryHash is ${String(named).slice(0, 16)}…, the sealed copy hashes to ${hash.slice(0, 16)}…`,
            )
          }
          // Stored once the transaction is known to apply and before its block is: a refused delivery stores
          // nothing, and once the chain says delivered the buyer finds the bytes.
          return chain.submit(tx, () => deliveries.put(r.sealed))
        },
        EVENT_COST.transaction,
      ),
    ),

    'market:delivery': guarded('delivery request', purchaseRequest, (r) => {
      const purchase = marketOf(state()).purchases[r.purchaseId]
      if (!purchase) return fail('bad-payload', `no purchase ${r.purchaseId}`)
      if (!purchase.deliveryHash)
        return fail('invalid-state', `${purchase.purchaseId} is ${purchase.status}, not delivered`)
      const sealed = deliveries.get(purchase.deliveryHash)
      return sealed
        ? ok(sealed)
        : fail('invalid-state', `the sealed copy of ${purchase.purchaseId} is not stored here`)
    }),

    'market:model': guarded('model request', modelRequest, (r, c) => {
      const purchase = marketOf(state()).purchases[r.purchaseId]
      if (!purchase) return fail('bad-payload', `no purchase ${r.purchaseId}`)
      const proven = checkIdentityProof(
        takeChallenge(c.socket),
        'privx-model-request',
        purchase.purchaseId,
        r.publicKey,
        r.proof,
        c.now,
      )
      if (!proven.ok || addressOf(r.publicKey) !== purchase.buyer)
        return fail('unauthorized', `only the buyer of ${purchase.purchaseId} receives its model`)
      return purchasedModel(state(), purchase, purchase.taskId ? tasks.get(purchase.taskId) : undefined)
    }),
  }
}
