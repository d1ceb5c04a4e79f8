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

/**
 * How a copy is anonymized: `per-row` perturbs every row on its own (local DP, `privatizeDataFrame`); `synthetic`
 * draws new rows from noisy 1- and 2-way marginals (MST, `shared/privacy/synthetic/mst.ts`). Both at the listing's
 * copy epsilon.
 */
export const COPY_KINDS = ['per-row', 'synthetic'] as const
export type CopyKind = (typeof COPY_KINDS)[number]

/** How useful one kind of copy is, measured against the provider's own rows. */
export interface CopyKindUtility {
  /** Mean total-variation distance of every 1- and 2-way marginal (numeric columns binned), copy vs data: 0 is best. */
  readonly marginalError: number
  /** Accuracy on the provider's held-out rows of a logistic model trained on the copy. */
  readonly accuracy: number
}

/** Utility of each kind of copy at the listing's copy epsilon, computed in the provider's tab when listing. */
export interface CopyUtility {
  readonly epsilon: number
  /** Held-out rows the accuracies were measured on, and the majority class's share among them. */
  readonly heldOut: number
  readonly majority: number
  readonly kinds: Readonly<Record<CopyKind, CopyKindUtility>>
}

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

/**
 * One released statistic as a buyer judges it: the noisy value, the scale of its noise, and an interval holding the
 * true (clamped-row) statistic with probability `DpSummary.confidence` or more, all from the mechanism, not the data.
 */
export interface DpEstimate {
  /** The released figure; a variance may be below zero (the noise exceeds the spread). */
  readonly value: number
  /** Laplace scale of its noise in its own units (for a ratio: the numerator's scale over the noisy count). */
  readonly scale: number
  readonly low: number
  readonly high: number
}

export interface DpColumnSummary {
  readonly name: string
  readonly kind: 'numeric' | 'categorical'
  /** The point figures every listing has; `std` is absent where the variance estimate fell below zero. */
  readonly mean?: number
  readonly std?: number
  readonly histogram?: readonly {
    readonly value: string
    readonly count: number
    /** The count's interval (listings made before intervals were released have none). */
    readonly low?: number
    readonly high?: number
  }[]
  /** Numeric: the mean, its noise scale and interval. */
  readonly meanEstimate?: DpEstimate
  /** Numeric: the population variance, uncut (may be < 0), its noise scale and interval (cut to [0, h^2]). */
  readonly variance?: DpEstimate
  /** Categorical: the Laplace scale of every count. */
  readonly countScale?: number
}

/**
 * Differentially private summary of a dataset, computed in the provider's tab (the raw rows never leave it). Fields
 * marked optional came with intervals: listings made before them stay readable without.
 */
export interface DpSummary {
  readonly epsilon: number
  readonly rows: number
  /** Confidence of every interval in the summary (0.95). */
  readonly confidence?: number
  /** The row count with its noise scale and interval. */
  readonly rowCount?: DpEstimate
  readonly columns: readonly DpColumnSummary[]
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
  /**
   * Rows as the provider declared them, on listings from before the epsilon ledger only: the exact count is no longer
   * published (the summary's DP count stands for it).
   */
  readonly rows?: number
  readonly licence: string
  /** Prices in whole tokens; null where that kind is not for sale. */
  readonly copyPrice: number | null
  readonly trainingPrice: number | null
  /** Epsilon of an anonymized copy, of either kind (`CopyKind`). */
  readonly copyEpsilon: number
  /** Rounds a training purchase runs. */
  readonly trainingRounds: number
  readonly summary: DpSummary
  /** Each kind of copy's utility (listings made before it have none). */
  readonly utility?: CopyUtility
  /**
   * The epsilon the provider allows every release of these rows together (`shared/market/epsilon-ledger.ts`).
   * Absent on listings from before the ledger: those are sold as they were, uncharged.
   */
  readonly epsilonBudget?: number
  /** Example-level epsilon of one bought training run (DP-SGD in the provider's tab); with a budget and training. */
  readonly trainingEpsilon?: number
  /** What the budget paid for, in order (the summary first); absent without a budget. */
  readonly epsilonCharges?: readonly EpsilonCharge[]
  readonly status: 'listed' | 'delisted'
  readonly listedAt: number
  readonly txId: string
  readonly purchases: number
  readonly revenue: number
}

/**
 * One release charged to a listing's budget: its DP summary, one anonymized copy of a kind at an epsilon (resold to
 * every buyer of that kind: charged once), or one training run.
 */
export interface EpsilonCharge {
  readonly what: 'statistics' | 'copy' | 'training'
  readonly epsilon: number
  /** The transaction that charged it. */
  readonly txId: string
  /** Copies: the kind of copy. */
  readonly copyKind?: CopyKind
  /** Copies and training: the sale that charged it (a copy's first sale). */
  readonly purchaseId?: string
  /** Copies, once delivered: SHA-256 of the copy's CSV; every sale of this copy delivers these bytes. */
  readonly copyHash?: string
}

export type PurchaseStatus = 'pending' | 'delivered' | 'training' | 'completed' | 'cancelled'

export interface Purchase {
  readonly purchaseId: string
  readonly datasetId: string
  readonly buyer: Address
  readonly provider: Address
  readonly kind: SaleKind
  /** Copies: the kind the buyer chose; absent on purchases made before synthetic copies (then per-row). */
  readonly copyKind?: CopyKind
  /** Copies of budgeted listings: the copy's epsilon (its kind and epsilon name the copy resold). */
  readonly copyEpsilon?: number
  /** Sales of budgeted listings: the epsilon this sale charged (0: a copy already charged, resold). */
  readonly epsilonCharged?: number
  /** Copies of budgeted listings, once delivered: SHA-256 of the copy's CSV (the buyer checks the opened copy). */
  readonly copyHash?: string
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
