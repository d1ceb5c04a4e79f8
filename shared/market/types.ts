import type { Address } from '../chain/keys'
import type { TaskSchema } from '../tasks/schema'

/** What a listing is about; free-text tags refine it. */
export const DATASET_CATEGORIES = [
  'user-behaviour',
  'medical',
  'finance',
  'location',
  'social-network',
  'other',
] as const
export type DatasetCategory = (typeof DATASET_CATEGORIES)[number]

/** What a purchase buys: an anonymized copy (local DP, delivered end-to-end encrypted) or training on the data where it lives. */
export type SaleKind = 'copy' | 'training'

export interface Provider {
  readonly address: Address
  readonly name: string
  readonly description: string
  readonly registeredAt: number
  readonly txId: string
}

export interface Consumer {
  readonly address: Address
  readonly name: string
  readonly registeredAt: number
  readonly txId: string
}

/** Differentially private summary of a dataset, computed in the provider's tab (the raw rows never leave it). */
export interface DpSummary {
  readonly epsilon: number
  readonly rows: number
  readonly columns: readonly {
    readonly name: string
    readonly kind: 'numeric' | 'categorical'
    readonly mean?: number
    readonly std?: number
    readonly histogram?: readonly { readonly value: string; readonly count: number }[]
  }[]
}

export interface Listing {
  readonly datasetId: string
  readonly provider: Address
  readonly name: string
  readonly description: string
  readonly category: DatasetCategory
  readonly tags: readonly string[]
  /** Columns, ranges and label: what a buyer's training task reads and what the copy holds. */
  readonly schema: TaskSchema
  /** Rows as the provider declares them (the summary's DP count is the checked figure). */
  readonly rows: number
  readonly licence: string
  /** Prices in whole tokens; null where that kind is not for sale. */
  readonly copyPrice: number | null
  readonly trainingPrice: number | null
  /** Epsilon of the anonymized copy (local DP per row, `privatizeDataFrame`). */
  readonly copyEpsilon: number
  /** Rounds a training purchase runs. */
  readonly trainingRounds: number
  readonly summary: DpSummary
  readonly status: 'listed' | 'delisted'
  readonly listedAt: number
  readonly txId: string
  readonly purchases: number
  readonly revenue: number
}

export type PurchaseStatus = 'pending' | 'delivered' | 'training' | 'completed' | 'cancelled'

export interface Purchase {
  readonly purchaseId: string
  readonly datasetId: string
  readonly buyer: Address
  readonly provider: Address
  readonly kind: SaleKind
  readonly price: number
  /** Tokens held until delivery (copies) or until training starts (then in the task's escrow). */
  readonly escrow: number
  readonly status: PurchaseStatus
  /** The buyer's P-256 envelope key (hex) the copy is sealed to. */
  readonly buyerKey: string | null
  readonly deliveryHash: string | null
  readonly taskId: string | null
  readonly createdAt: number
  readonly txId: string
  readonly settledTxId: string | null
  readonly rated: boolean
}

export interface Rating {
  readonly purchaseId: string
  readonly datasetId: string
  readonly rater: Address
  readonly stars: number
  readonly comment: string
  readonly at: number
  readonly txId: string
}

export interface MarketState {
  readonly providers: Readonly<Record<Address, Provider>>
  readonly consumers: Readonly<Record<Address, Consumer>>
  readonly datasets: Readonly<Record<string, Listing>>
  readonly purchases: Readonly<Record<string, Purchase>>
  readonly ratings: readonly Rating[]
  readonly nextDataset: number
  readonly nextPurchase: number
}

export const EMPTY_MARKET: MarketState = {
  providers: {},
  consumers: {},
  datasets: {},
  purchases: {},
  ratings: [],
  nextDataset: 1,
  nextPurchase: 1,
}
