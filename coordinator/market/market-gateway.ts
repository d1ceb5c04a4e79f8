import { z } from 'zod'
import { canonicalBytes } from '../../shared/chain/encoding'
import { addressOf, verifySignature } from '../../shared/chain/keys'
import { transactionSchema } from '../../shared/chain/schema'
import { accountOf, marketOf } from '../../shared/chain/state'
import type { SignedTransaction } from '../../shared/chain/transaction'
import { encodeFloat32, isBinary } from '../../shared/codec'
import { parsePayload } from '../../shared/guards'
import type { DatasetView, PurchasedModel, WalletView } from '../../shared/market/protocol'
import { datasetRating, providerReputation } from '../../shared/market/reputation'
import { sealedHash } from '../../shared/market/sealed-hash'
import { searchDatasets, searchQuerySchema } from '../../shared/market/search'
import { marketStatistics } from '../../shared/market/statistics'
import type { Purchase } from '../../shared/market/types'
import type { Ack } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { ChainService } from '../chain/chain-service'
import type { ClientServer } from '../client-gateway'
import type { EventLog } from '../event-log'
import type { TaskRegistry } from '../task-registry'
import type { DeliveryStore } from './delivery-store'

const binary = z.custom<ArrayBuffer | ArrayBufferView>(isBinary, { message: 'expected binary bytes' })
const datasetRequest = z.object({ datasetId: z.string().min(1).max(40) })
const walletRequest = z.object({
  address: z.string().regex(/^px[0-9a-f]{40}$/, 'an address: "px" and 40 hex digits'),
})
const purchaseRequest = z.object({ purchaseId: z.string().regex(/^p-\d{1,9}$/, 'a purchase id') })
const deliverRequest = z.object({
  tx: transactionSchema,
  sealed: z.object({ senderPublicKey: binary, iv: binary, ciphertext: binary }),
})
const modelRequest = z.object({
  purchaseId: z.string().regex(/^p-\d{1,9}$/, 'a purchase id'),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/, 'an Ed25519 public key'),
  signature: z.string().regex(/^[0-9a-f]{128}$/, 'an Ed25519 signature'),
})

/** What a buyer signs to fetch the model of a training purchase. */
export const modelRequestStatement = (purchaseId: string): Uint8Array =>
  canonicalBytes({ kind: 'privx-model-request', purchaseId })

/**
 * The market over socket.io: reads (search, dataset pages, statistics, wallets) are computed from the chain state;
 * writes are signed transactions (`client:transaction`), except a delivery, which carries the sealed copy with its
 * signed `market.deliver` so the coordinator stores exactly the bytes whose hash goes on the chain.
 */
export function attachMarketGateway(
  io: ClientServer,
  chain: ChainService,
  deliveries: DeliveryStore,
  tasks: TaskRegistry,
  log: EventLog,
): void {
  chain.onApplied((tx, block) => {
    if (tx.body.type.startsWith('market.'))
      io.emit('market:changed', { type: tx.body.type, txId: tx.id, block })
  })

  io.on('connection', (socket) => {
    const answer = <T>(ack: unknown, what: string, work: () => Result<T>): void => {
      let result: Result<T>
      try {
        result = work()
      } catch (error) {
        log.add(
          'error',
          `market ${what} failed inside the coordinator: ${error instanceof Error ? error.message : String(error)}`,
        )
        result = fail('invalid-state', `the coordinator could not process this ${what}`)
      }
      if (typeof ack === 'function') (ack as Ack<T>)(result)
    }
    const state = () => chain.state
    const named = (p: Purchase) => ({
      ...p,
      datasetName: marketOf(state()).datasets[p.datasetId]?.name ?? p.datasetId,
    })

    socket.on('market:search', (query, ack) =>
      answer(ack, 'search', () => {
        const q = parsePayload(searchQuerySchema, query, 'search')
        return q.ok ? ok(searchDatasets(marketOf(state()), q.value)) : q
      }),
    )

    socket.on('market:dataset', (request, ack) =>
      answer(ack, 'dataset request', () => {
        const r = parsePayload(datasetRequest, request, 'dataset request')
        if (!r.ok) return r
        const market = marketOf(state())
        if (!Object.hasOwn(market.datasets, r.value.datasetId))
          return fail('bad-payload', `no dataset ${r.value.datasetId}`)
        const listing = market.datasets[r.value.datasetId]!
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
    )

    socket.on('market:statistics', (_request, ack) =>
      answer(ack, 'statistics', () => ok(marketStatistics(state()))),
    )

    socket.on('market:wallet', (request, ack) =>
      answer(ack, 'wallet request', () => {
        const r = parsePayload(walletRequest, request, 'wallet request')
        if (!r.ok) return r
        const address = r.value.address
        const s = state()
        const market = marketOf(s)
        const purchases = Object.values(market.purchases)
        const provider = Object.hasOwn(market.providers, address) ? market.providers[address]! : null
        const view: WalletView = {
          account: { chainId: s.chainId, address, ...accountOf(s, address), faucetAmount: s.faucetAmount },
          provider: provider && { ...provider, reputation: providerReputation(s, address) },
          consumer: Object.hasOwn(market.consumers, address) ? market.consumers[address]! : null,
          purchases: purchases.filter((p) => p.buyer === address).map(named),
          sales: purchases.filter((p) => p.provider === address).map(named),
          datasets: Object.values(market.datasets).filter((d) => d.provider === address),
        }
        return ok(view)
      }),
    )

    socket.on('market:deliver', (request, ack) =>
      answer(ack, 'delivery', () => {
        const r = parsePayload(deliverRequest, request, 'delivery')
        if (!r.ok) return r
        const tx = r.value.tx as unknown as SignedTransaction
        if (tx.body.type !== 'market.deliver')
          return fail('bad-payload', 'tx: a delivery carries a market.deliver transaction')
        const hash = sealedHash(r.value.sealed)
        const named = (tx.body.payload as { deliveryHash?: unknown }).deliveryHash
        if (named !== hash) {
          return fail(
            'bad-payload',
            `tx.payload.deliveryHash is ${String(named).slice(0, 16)}…, the sealed copy hashes to ${hash.slice(0, 16)}…`,
          )
        }
        // Store first: once the chain says delivered, the buyer must find the bytes.
        deliveries.put(r.value.sealed)
        return chain.submit(tx)
      }),
    )

    socket.on('market:delivery', (request, ack) =>
      answer(ack, 'delivery request', () => {
        const r = parsePayload(purchaseRequest, request, 'delivery request')
        if (!r.ok) return r
        const purchase = marketOf(state()).purchases[r.value.purchaseId]
        if (!purchase) return fail('bad-payload', `no purchase ${r.value.purchaseId}`)
        if (!purchase.deliveryHash)
          return fail('invalid-state', `${purchase.purchaseId} is ${purchase.status}, not delivered`)
        const sealed = deliveries.get(purchase.deliveryHash)
        return sealed
          ? ok(sealed)
          : fail('invalid-state', `the sealed copy of ${purchase.purchaseId} is not stored here`)
      }),
    )

    socket.on('market:model', (request, ack) =>
      answer(ack, 'model request', () => {
        const r = parsePayload(modelRequest, request, 'model request')
        if (!r.ok) return r
        const purchase = marketOf(state()).purchases[r.value.purchaseId]
        if (!purchase) return fail('bad-payload', `no purchase ${r.value.purchaseId}`)
        if (
          addressOf(r.value.publicKey) !== purchase.buyer ||
          !verifySignature(r.value.signature, modelRequestStatement(purchase.purchaseId), r.value.publicKey)
        ) {
          return fail('unauthorized', `only the buyer of ${purchase.purchaseId} receives its model`)
        }
        const entry = purchase.taskId ? tasks.get(purchase.taskId) : undefined
        if (!entry)
          return fail(
            'invalid-state',
            `${purchase.purchaseId} has no training task (it is ${purchase.status})`,
          )
        if (!entry.federation.modelInClear)
          return fail('invalid-state', 'the task trained under encryption: the tabs hold the model')
        const global = entry.federation.global
        const model: PurchasedModel = {
          taskId: entry.task.id,
          version: global.version,
          round: global.round,
          model: entry.task.model,
          features: entry.task.features,
          classNames: entry.task.classNames,
          weights: encodeFloat32(global.weights),
        }
        return ok(model)
      }),
    )
  })
}
