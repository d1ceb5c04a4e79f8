import { type ChainState, marketOf } from '../chain/state'
import { datasetRating, providerReputation, type Reputation } from './reputation'
import type { DatasetCategory } from './types'

export interface MarketStatistics {
  readonly totals: {
    readonly datasets: number
    readonly listed: number
    readonly providers: number
    readonly consumers: number
    readonly purchases: number
    /** Tokens paid for purchases not cancelled. */
    readonly volume: number
    readonly ratings: number
  }
  /** Per UTC day (from the transactions' timestamps): purchases and their volume. */
  readonly daily: readonly { readonly day: string; readonly transactions: number; readonly volume: number }[]
  /** Per category and day: the mean price of the purchases made (what buyers actually paid). */
  readonly priceTrends: readonly {
    readonly category: DatasetCategory
    readonly points: readonly {
      readonly day: string
      readonly meanPrice: number
      readonly purchases: number
    }[]
  }[]
  readonly mostPopular: readonly {
    readonly datasetId: string
    readonly name: string
    readonly purchases: number
  }[]
  readonly topRated: readonly {
    readonly datasetId: string
    readonly name: string
    readonly average: number
    readonly ratings: number
  }[]
  readonly topProviders: readonly {
    readonly address: string
    readonly name: string
    readonly revenue: number
    readonly reputation: Reputation
  }[]
}

const dayOf = (timestamp: number): string => new Date(timestamp).toISOString().slice(0, 10)
const DAY_MS = 86_400_000
/** The volume chart spans at least this many days (ending on the last purchase's), days without trades at 0. */
export const DAILY_WINDOW = 7

/** Every day from `first` to `last` (UTC dates), and at least `DAILY_WINDOW` days ending on `last`. */
function dayRange(first: string, last: string): string[] {
  const end = Date.parse(last)
  const start = Math.min(Date.parse(first), end - (DAILY_WINDOW - 1) * DAY_MS)
  const days: string[] = []
  for (let t = start; t <= end; t += DAY_MS) days.push(dayOf(t))
  return days
}

/** Every figure comes from market records on the chain, each of which names the transaction that made it. */
export function marketStatistics(state: ChainState, top = 5): MarketStatistics {
  const market = marketOf(state)
  const datasets = Object.values(market.datasets)
  const purchases = Object.values(market.purchases).filter((p) => p.status !== 'cancelled')
  const daily = new Map<string, { transactions: number; volume: number }>()
  const trends = new Map<DatasetCategory, Map<string, { sum: number; count: number }>>()
  for (const p of purchases) {
    const day = dayOf(p.createdAt)
    const d = daily.get(day) ?? { transactions: 0, volume: 0 }
    daily.set(day, { transactions: d.transactions + 1, volume: d.volume + p.price })
    const category = market.datasets[p.datasetId]!.category
    const byDay = trends.get(category) ?? new Map()
    const t = byDay.get(day) ?? { sum: 0, count: 0 }
    byDay.set(day, { sum: t.sum + p.price, count: t.count + 1 })
    trends.set(category, byDay)
  }
  const revenue = new Map<string, number>()
  for (const d of datasets) revenue.set(d.provider, (revenue.get(d.provider) ?? 0) + d.revenue)
  return {
    totals: {
      datasets: datasets.length,
      listed: datasets.filter((d) => d.status === 'listed').length,
      providers: Object.keys(market.providers).length,
      consumers: Object.keys(market.consumers).length,
      purchases: purchases.length,
      volume: purchases.reduce((s, p) => s + p.price, 0),
      ratings: market.ratings.length,
    },
    daily: dailySeries(daily),
    priceTrends: [...trends].map(([category, byDay]) => ({
      category,
      points: [...byDay]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([day, t]) => ({ day, meanPrice: t.sum / t.count, purchases: t.count })),
    })),
    mostPopular: datasets
      .filter((d) => d.purchases > 0)
      .sort((a, b) => b.purchases - a.purchases || a.listedAt - b.listedAt)
      .slice(0, top)
      .map((d) => ({ datasetId: d.datasetId, name: d.name, purchases: d.purchases })),
    topRated: datasets
      .map((d) => ({ d, r: datasetRating(market, d.datasetId) }))
      .filter((x) => x.r.average !== null)
      .sort((a, b) => b.r.average! - a.r.average! || b.r.count - a.r.count)
      .slice(0, top)
      .map(({ d, r }) => ({ datasetId: d.datasetId, name: d.name, average: r.average!, ratings: r.count })),
    topProviders: Object.values(market.providers)
      .map((p) => ({
        address: p.address,
        name: p.name,
        revenue: revenue.get(p.address) ?? 0,
        reputation: providerReputation(state, p.address),
      }))
      .sort((a, b) => b.revenue - a.revenue || b.reputation.score - a.reputation.score)
      .slice(0, top),
  }
}

/** Purchases and volume per day, with the days between (and up to `DAILY_WINDOW` before) at 0: a time axis. */
function dailySeries(
  daily: ReadonlyMap<string, { transactions: number; volume: number }>,
): MarketStatistics['daily'] {
  const days = [...daily.keys()].sort()
  if (days.length === 0) return []
  return dayRange(days[0]!, days.at(-1)!).map((day) => ({
    day,
    ...(daily.get(day) ?? { transactions: 0, volume: 0 }),
  }))
}
