import type { ChainState } from '../chain/state'
import { marketOf } from '../chain/state'
import type { Listing, MarketState } from './types'

/** Prior of the Bayesian average: every provider and dataset starts as if rated 3 stars twice. */
const PRIOR_STARS = 3
const PRIOR_WEIGHT = 2

export interface RatingSummary {
  readonly count: number
  /** Plain mean of the stars; null without ratings. */
  readonly average: number | null
}

export function datasetRating(market: MarketState, datasetId: string): RatingSummary {
  const stars = market.ratings.filter((r) => r.datasetId === datasetId).map((r) => r.stars)
  return {
    count: stars.length,
    average: stars.length ? stars.reduce((a, b) => a + b, 0) / stars.length : null,
  }
}

export interface Reputation {
  /** 0 to 5: the Bayesian average of the provider's ratings, plus up to 0.5 for delivered work. */
  readonly score: number
  readonly ratings: number
  readonly averageStars: number | null
  /** Copies delivered and training purchases completed. */
  readonly deliveries: number
  /** Examples the provider's tabs trained on in recorded rounds (from the training records). */
  readonly trainedExamples: number
}

/**
 * A provider's reputation, from the chain alone. score = (sum of stars + 3 * 2) / (ratings + 2), a Bayesian average
 * that keeps one 5-star rating from outranking twenty 4-star ones, plus 0.5 * (1 - e^(-deliveries / 5)) for
 * delivered copies and completed training purchases, capped at 5.
 */
export function providerReputation(state: ChainState, address: string): Reputation {
  const market = marketOf(state)
  const own = new Set(
    Object.values(market.datasets)
      .filter((d) => d.provider === address)
      .map((d) => d.datasetId),
  )
  const stars = market.ratings.filter((r) => own.has(r.datasetId)).map((r) => r.stars)
  const deliveries = Object.values(market.purchases).filter(
    (p) => p.provider === address && (p.status === 'delivered' || p.status === 'completed'),
  ).length
  const trainedExamples = state.rounds
    .toArray()
    .flatMap((r) => r.participants)
    .filter((p) => p.address === address)
    .reduce((s, p) => s + p.examples, 0)
  const sum = stars.reduce((a, b) => a + b, 0)
  const bayes = (sum + PRIOR_STARS * PRIOR_WEIGHT) / (stars.length + PRIOR_WEIGHT)
  const score = Math.min(5, bayes + 0.5 * (1 - Math.exp(-deliveries / 5)))
  return {
    score,
    ratings: stars.length,
    averageStars: stars.length ? sum / stars.length : null,
    deliveries,
    trainedExamples,
  }
}

/** What is for sale in a listing. */
export function saleKinds(listing: Listing): ('copy' | 'training')[] {
  return [
    ...(listing.copyPrice !== null ? (['copy'] as const) : []),
    ...(listing.trainingPrice !== null ? (['training'] as const) : []),
  ]
}
