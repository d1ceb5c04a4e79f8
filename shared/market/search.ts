import { z } from 'zod'
import { datasetRating, saleKinds } from './reputation'
import { DATASET_CATEGORIES, type Listing, type MarketState } from './types'

export const searchQuerySchema = z.object({
  text: z.string().max(200).default(''),
  category: z.enum(DATASET_CATEGORIES).optional(),
  minPrice: z.number().min(0).optional(),
  maxPrice: z.number().min(0).optional(),
  minRating: z.number().min(0).max(5).optional(),
  saleType: z.enum(['copy', 'training']).optional(),
  sort: z.enum(['price', 'rating', 'popularity', 'recency']).default('recency'),
  order: z.enum(['asc', 'desc']).optional(),
  page: z.int().min(1).max(1e6).default(1),
  pageSize: z.int().min(1).max(100).default(10),
  /** Delisted datasets are hidden unless asked for (a buyer's history still shows them). */
  includeDelisted: z.boolean().default(false),
})

export type SearchQuery = z.input<typeof searchQuerySchema>

export interface SearchHit {
  readonly listing: Listing
  readonly rating: { readonly count: number; readonly average: number | null }
  /** The lowest price on offer (copy or training), for sorting and filtering by price. */
  readonly price: number
}

export interface SearchResult {
  readonly total: number
  readonly page: number
  readonly pages: number
  readonly hits: readonly SearchHit[]
}

/** Lowest price among the kinds asked for (or all on offer). */
function priceOf(listing: Listing, saleType?: 'copy' | 'training'): number {
  const prices = saleKinds(listing)
    .filter((k) => !saleType || k === saleType)
    .map((k) => (k === 'copy' ? listing.copyPrice! : listing.trainingPrice!))
  return prices.length ? Math.min(...prices) : Number.POSITIVE_INFINITY
}

/**
 * Search over listings: every word of `text` must appear (case-insensitive) in the name, description or tags;
 * then the filters; then the sort (price and rating ascending or descending, popularity and recency newest or most
 * first by default); then one page. Pure: the same query on the same chain state gives the same page.
 */
export function searchDatasets(market: MarketState, input: SearchQuery): SearchResult {
  const q = searchQuerySchema.parse(input)
  const words = q.text.toLowerCase().split(/\s+/).filter(Boolean)
  const hits: SearchHit[] = []
  for (const listing of Object.values(market.datasets)) {
    if (listing.status !== 'listed' && !q.includeDelisted) continue
    if (q.category && listing.category !== q.category) continue
    if (q.saleType && !saleKinds(listing).includes(q.saleType)) continue
    const haystack = `${listing.name}\n${listing.description}\n${listing.tags.join(' ')}`.toLowerCase()
    if (!words.every((w) => haystack.includes(w))) continue
    const price = priceOf(listing, q.saleType)
    if (q.minPrice !== undefined && price < q.minPrice) continue
    if (q.maxPrice !== undefined && price > q.maxPrice) continue
    const rating = datasetRating(market, listing.datasetId)
    if (q.minRating !== undefined && (rating.average ?? 0) < q.minRating) continue
    hits.push({ listing, rating, price })
  }
  const order = q.order ?? (q.sort === 'price' ? 'asc' : 'desc')
  const sign = order === 'asc' ? 1 : -1
  const key = (h: SearchHit): number => {
    switch (q.sort) {
      case 'price':
        return h.price
      case 'rating':
        return h.rating.average ?? -1
      case 'popularity':
        return h.listing.purchases
      case 'recency':
        return h.listing.listedAt
    }
  }
  // Ties keep listing order (dataset number), so pages are stable.
  const number = (h: SearchHit) => Number(h.listing.datasetId.slice(3))
  hits.sort((a, b) => sign * (key(a) - key(b)) || number(a) - number(b))
  const pages = Math.max(1, Math.ceil(hits.length / q.pageSize))
  const start = (q.page - 1) * q.pageSize
  return { total: hits.length, page: q.page, pages, hits: hits.slice(start, start + q.pageSize) }
}
