/** The data market's wire: search, dataset pages, wallets, deliveries of sealed copies, bought models. */
import type { SignedTransaction } from '../chain/transaction'
import type { Binary } from '../codec'
import type { IdentityProof } from '../identity/proof'
import type { Reputation } from '../market/reputation'
import type { SearchQuery, SearchResult } from '../market/search'
import type { MarketStatistics } from '../market/statistics'
import type { Consumer, Listing, Provider, Purchase, Rating } from '../market/types'
import type { ModelSpec } from '../model/spec'
import type { Ack, EmptyRequest } from './base'
import type { AccountRequest, AccountView, TransactionReceipt } from './chain'
import type { KeyEnvelopeMessage } from './encryption'

/** A dataset's page: the listing, its ratings, and its provider with their reputation. */
export interface DatasetView {
  readonly listing: Listing
  readonly ratings: readonly Rating[]
  readonly average: number | null
  readonly provider: Provider & { readonly reputation: Reputation }
}

/** One account's place in the market: profiles, purchases, sales, own datasets. */
export interface WalletView {
  readonly account: AccountView
  readonly provider: (Provider & { readonly reputation: Reputation }) | null
  readonly consumer: Consumer | null
  readonly purchases: readonly (Purchase & { readonly datasetName: string })[]
  readonly sales: readonly (Purchase & { readonly datasetName: string })[]
  readonly datasets: readonly Listing[]
}

/** A sealed anonymized copy and the signed `market.deliver` transaction naming its hash. */
export interface DeliveryRequest {
  readonly tx: SignedTransaction
  readonly sealed: KeyEnvelopeMessage
}

/**
 * The buyer of a training purchase asks for the trained model, proving with a signed challenge of this connection
 * (`client:challenge`) that it holds the buyer's key: a recorded request cannot be replayed.
 */
export interface ModelRequest {
  readonly purchaseId: string
  readonly publicKey: string
  readonly proof: IdentityProof
}

export interface PurchasedModel {
  readonly taskId: string
  readonly version: string
  readonly round: number
  readonly model: ModelSpec
  readonly features: readonly string[]
  readonly classNames: readonly string[]
  readonly weights: Binary
}

export interface MarketClientEvents {
  'market:search': (query: SearchQuery, ack: Ack<SearchResult>) => void
  'market:dataset': (request: { datasetId: string }, ack: Ack<DatasetView>) => void
  'market:statistics': (request: EmptyRequest, ack: Ack<MarketStatistics>) => void
  'market:wallet': (request: AccountRequest, ack: Ack<WalletView>) => void
  'market:deliver': (request: DeliveryRequest, ack: Ack<TransactionReceipt>) => void
  'market:delivery': (request: { purchaseId: string }, ack: Ack<KeyEnvelopeMessage>) => void
  'market:model': (request: ModelRequest, ack: Ack<PurchasedModel>) => void
}

export interface MarketServerEvents {
  /** The market changed (a market transaction was applied): pages refresh what they show. */
  'market:changed': (change: { type: string; txId: string; block: number }) => void
}
