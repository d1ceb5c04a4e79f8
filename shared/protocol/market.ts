/** The data market's wire: search, dataset pages, wallets, deliveries of sealed copies, bought models. */
import { z } from 'zod'
import type { SignedTransaction } from '../chain/transaction'
import type { IdentityProof } from '../identity/proof'
import { sha256HexSchema } from '../ids'
import type { Reputation } from '../market/reputation'
import type { SearchQuery, SearchResult } from '../market/search'
import type { MarketStatistics } from '../market/statistics'
import type { Consumer, Listing, Provider, Purchase, Rating } from '../market/types'
import { modelSpecSchema } from '../model/spec'
import { type Ack, binarySchema, type EmptyRequest } from './base'
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
  /** Training purchases carry their training's progress (`training`), as the chain and the coordinator see it. */
  readonly purchases: readonly (Purchase & {
    readonly datasetName: string
    readonly training?: TrainingProgress
  })[]
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

const share = z.number().min(0).max(1)

/**
 * A model's held-out quality: the tabs' evaluations pooled (confusion matrices added up, so exact over the union of
 * their held-out rows), and the baseline of always answering the most frequent class.
 */
export const modelQualitySchema = z.object({
  examples: z.int().min(0),
  reports: z.int().min(0),
  accuracy: share,
  precision: share,
  recall: share,
  f1: share,
  /** Accuracy of always answering the most frequent class (the majority-class baseline). */
  majorityRate: share,
  loss: z.number().min(0),
  /** Whether the accuracy is above the majority-class baseline; a model that is not is flagged to its buyer. */
  beatsMajority: z.boolean(),
})
export type ModelQuality = Readonly<z.infer<typeof modelQualitySchema>>

/**
 * A model's record on the chain (`training.record-round`): `record` is the chain's sequence number of the task's
 * records, `modelRound` the model's round. In the clear `modelAfter` is the SHA-256 of the weights' float32 bytes
 * (`hashOf: 'weights'`); under encryption it is the hash of the ciphertext sum (`'encrypted-sum'`).
 */
export const chainModelRecordSchema = z.object({
  record: z.int().min(1),
  modelRound: z.int().min(0),
  modelAfter: z
    .string()
    .regex(/^[0-9a-f]{64}$|^r\d+-[0-9a-f]{12}$/, 'a SHA-256 hex digest or a model version'),
  hashOf: z.enum(['weights', 'encrypted-sum']),
})
export type ChainModelRecord = Readonly<z.infer<typeof chainModelRecordSchema>>

/** How the provider's side trained: the task's settings, and the examples each recorded round trained on. */
export const trainingSettingsSchema = z.object({
  rounds: z.int().min(1),
  localEpochs: z.int().min(1),
  batchSize: z.int().min(1),
  learningRate: z.number().gt(0),
  optimizer: z.string().max(20),
  privacy: z.string().max(20),
  encryption: z.string().max(20),
  examplesPerRound: z.array(z.int().min(0)).max(100_000).readonly(),
})
export type TrainingSettings = Readonly<z.infer<typeof trainingSettingsSchema>>

/** The model the coordinator holds for a bought training now: which one, its hash and its record, its quality. */
export const heldModelSchema = z.object({
  round: z.int().min(0),
  version: z.string().max(40),
  /** SHA-256 of the weights' float32 bytes (`weightsDigest`). */
  modelHash: sha256HexSchema,
  /** Its chain record; null for the initial model (round 0), which no round record names. */
  recorded: chainModelRecordSchema.nullable(),
  /** Null until a tab has evaluated it. */
  quality: modelQualitySchema.nullable(),
})
export type HeldModel = Readonly<z.infer<typeof heldModelSchema>>

/** A training purchase's progress, live: rounds recorded on the chain of rounds bought. */
export const trainingProgressSchema = z.object({
  taskId: z.string().max(100),
  roundsDone: z.int().min(0),
  roundsBought: z.int().min(1),
  /** The purchase is settled (`market.finish-training`): the model is the one the purchase trained. */
  finished: z.boolean(),
  /** The latest chain record of the task (under encryption, the only trace of the model the coordinator has). */
  latest: chainModelRecordSchema.nullable(),
  /** The model the coordinator holds in the clear; null under encryption (the tabs hold it) or with no task here. */
  model: heldModelSchema.nullable(),
  settings: trainingSettingsSchema.nullable(),
})
export type TrainingProgress = Readonly<z.infer<typeof trainingProgressSchema>>

/**
 * The answer to `market:model`: the model with what identifies it. `stage` is `final` once the purchase is settled,
 * otherwise `snapshot` (training continues: a later request may return a later round). The buyer checks the
 * weights against `modelHash` and `recorded.modelAfter` (`MarketClient.fetchModel`).
 */
export const purchasedModelSchema = heldModelSchema.extend({
  purchaseId: z.string().max(20),
  taskId: z.string().max(100),
  stage: z.enum(['snapshot', 'final']),
  roundsDone: z.int().min(0),
  roundsBought: z.int().min(1),
  settings: trainingSettingsSchema,
  model: modelSpecSchema,
  features: z.array(z.string().max(200)).max(100_000).readonly(),
  classNames: z.array(z.string().max(200)).max(1000).readonly(),
  weights: binarySchema,
})
export type PurchasedModel = Readonly<z.infer<typeof purchasedModelSchema>>

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
  /** A bought training task's model was evaluated (its held-out quality changed): its buyer's wallet refreshes. */
  'market:training': (change: { taskId: string; version: string }) => void
}
