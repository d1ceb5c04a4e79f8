import { io } from 'socket.io-client'
import { MarketClient } from '../client/market/market-client'
import type { ClientSocket } from '../client/session/federated-session'
import { type Coordinator, startCoordinator } from '../coordinator/server'
import { generateKeyPair } from '../shared/chain/keys'
import { DataHandler, type Table } from '../shared/data/data-handler'
import { GENERATOR_NAMES, GENERATORS, type GeneratorName } from '../shared/data/generators'
import { createEnvelopeKeyPair } from '../shared/he/key-envelope'
import { anonymizedCopy } from '../shared/market/anonymized-copy'
import { readDatasetFrame } from '../shared/market/dataset-frame'
import type { MarketStatistics } from '../shared/market/statistics'
import { seededRandom } from '../shared/random'
import type { Result } from '../shared/result'
import type { RunOptions } from './options'

export interface Participant {
  readonly name: string
  readonly client: MarketClient
}

export interface PrivacyEffect {
  readonly epsilon: number
  /** Mean over numeric columns of |mean(copy) - mean(original)| / range, averaged over `PRIVACY_DRAWS` copies. */
  readonly meanError: number
  /** Share of labels changed by randomized response, averaged over the same copies. */
  readonly labelFlips: number
  /** The spread of each over those copies: mean ± one standard deviation, clamped at 0. */
  readonly meanErrorBand: readonly [number, number]
  readonly labelFlipsBand: readonly [number, number]
}

/** Copies drawn per epsilon: one noisy draw per point made the curve jump (issue 16: 34% error at 0.5, 82% at 1). */
export const PRIVACY_DRAWS = 20

/** Mean and the mean ± one standard deviation (clamped at 0) of `values`. */
function meanBand(values: readonly number[]): { mean: number; band: [number, number] } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1))
  return { mean, band: [Math.max(0, mean - sd), mean + sd] }
}

export interface MarketSummary {
  readonly listings: readonly {
    readonly datasetId: string
    readonly name: string
    readonly category: string
    readonly copyPrice: number | null
    readonly trainingPrice: number | null
  }[]
  readonly purchases: readonly {
    readonly purchaseId: string
    readonly buyer: string
    readonly datasetId: string
    readonly kind: string
    readonly price: number
    readonly status: string
  }[]
  readonly ratings: number
  readonly searches: readonly { readonly query: string; readonly hits: readonly string[] }[]
  readonly statistics: MarketStatistics
  /** The statistics agree with the trades this run made (count and volume of purchases). */
  readonly statisticsMatchTrades: boolean
  readonly privacyEffects: readonly PrivacyEffect[]
  /** One column of one dataset, original and anonymized, as histograms over the column's range. */
  readonly distribution: {
    readonly column: string
    readonly bins: readonly string[]
    readonly original: readonly number[]
    readonly noised: readonly number[]
  }
}

export const must = <T>(what: string, result: Result<T>): T => {
  if (!result.ok) throw new Error(`${what}: ${result.error.message}`)
  return result.value
}

/** A market participant with its own account and envelope key, connected to `url`. */
export async function participant(url: string, name: string): Promise<Participant> {
  const socket = io(url, { transports: ['websocket'] }) as ClientSocket
  const client = new MarketClient(socket, generateKeyPair(), await createEnvelopeKeyPair())
  must(`${name} claims tokens`, await client.claimTokens())
  return { name, client }
}

/** How far anonymized copies of `table` move from it, at each epsilon (per row, local DP), over `draws` copies each. */
export function privacyEffects(
  table: Table,
  epsilons: readonly number[],
  draws = PRIVACY_DRAWS,
): PrivacyEffect[] {
  const frame = readDatasetFrame(DataHandler.toCsv(table), table.schema).frame
  const numeric = table.schema.features.filter((f) => f.type === 'numeric' || f.type === 'integer')
  const mean = (values: readonly (number | string)[]) =>
    values.reduce<number>((s, v) => s + Number(v), 0) / values.length
  const labels = frame.get(table.schema.label.name)!
  const once = (epsilon: number) => {
    const copy = anonymizedCopy(frame, table.schema, epsilon).frame
    const meanError =
      numeric.reduce((s, c) => {
        if (c.type !== 'numeric' && c.type !== 'integer') return s
        return s + Math.abs(mean(copy.get(c.name)!) - mean(frame.get(c.name)!)) / (c.max - c.min)
      }, 0) / Math.max(1, numeric.length)
    const flipped = copy.get(table.schema.label.name)!.filter((v, i) => v !== labels[i]).length
    return { meanError, labelFlips: flipped / labels.length }
  }
  return epsilons.map((epsilon) => {
    const runs = Array.from({ length: draws }, () => once(epsilon))
    const error = meanBand(runs.map((r) => r.meanError))
    const flips = meanBand(runs.map((r) => r.labelFlips))
    return {
      epsilon,
      meanError: error.mean,
      labelFlips: flips.mean,
      meanErrorBand: error.band,
      labelFlipsBand: flips.band,
    }
  })
}

function histogram(values: readonly number[], min: number, max: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0)
  for (const v of values)
    counts[Math.min(bins - 1, Math.max(0, Math.floor(((v - min) / (max - min)) * bins)))]!++
  return counts
}

/** Lists one dataset per built-in generator, each from its own provider; returns the providers and their tables. */
export async function listSampleDatasets(
  url: string,
  seed: number,
  rows = 300,
  trainingRounds = 3,
): Promise<{ provider: Participant; table: Table; datasetId: string; generator: GeneratorName }[]> {
  const listed = []
  for (const [i, generator] of GENERATOR_NAMES.entries()) {
    const spec = GENERATORS[generator]
    const provider = await participant(url, `${spec.name} provider`)
    must('register provider', await provider.client.registerProvider(`${spec.name} Ltd`, spec.description))
    const table = DataHandler.generate(spec, rows, seed + i)
    const frame = readDatasetFrame(DataHandler.toCsv(table), table.schema).frame
    const before = must('wallet', await provider.client.wallet()).datasets.length
    must(
      `list ${spec.name}`,
      await provider.client.listDataset(frame, {
        name: spec.name,
        description: spec.description,
        category: spec.category,
        tags: [generator, spec.label.name],
        schema: table.schema,
        licence: 'research use only',
        copyPrice: 20 + 10 * i,
        trainingPrice: 40 + 10 * i,
        copyEpsilon: 4,
        trainingRounds,
        summaryEpsilon: 1,
      }),
    )
    const mine = must('wallet', await provider.client.wallet()).datasets
    listed.push({ provider, table, datasetId: mine[before]!.datasetId, generator })
  }
  return listed
}

/**
 * A market session with sample participants: a provider per built-in generator lists its dataset, consumers buy
 * anonymized copies, providers make and deliver them (sealed), consumers open them and rate them, then search and
 * statistics; every step is a signed transaction on the coordinator's chain.
 */
export async function runMarket(
  options: RunOptions,
  progress: (line: string) => void,
  existing?: { readonly coordinator: Coordinator },
): Promise<MarketSummary> {
  const coordinator =
    existing?.coordinator ??
    (await startCoordinator({
      port: 0,
      staticDir: null,
      faucetAmount: 1000,
      seed: options.seed,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    }))
  const people: Participant[] = []
  try {
    const listed = await listSampleDatasets(coordinator.url, options.seed)
    people.push(...listed.map((l) => l.provider))
    progress(`market: ${listed.length} providers listed ${listed.map((l) => l.table.name).join(', ')}`)
    const consumers = [] as Participant[]
    for (const name of ['Acme Analytics', 'Bio Research Lab', 'City Planning Office']) {
      const consumer = await participant(coordinator.url, name)
      must('register consumer', await consumer.client.registerConsumer(name))
      consumers.push(consumer)
    }
    people.push(...consumers)
    const random = seededRandom(options.seed)
    const bought: { buyer: Participant; purchaseId: string; datasetId: string; price: number }[] = []
    for (const [c, consumer] of consumers.entries()) {
      for (const offset of [0, 1]) {
        const target = listed[(c * 2 + offset) % listed.length]!
        must(
          `${consumer.name} buys ${target.table.name}`,
          await consumer.client.purchase(target.datasetId, 'copy'),
        )
        const purchase = must('wallet', await consumer.client.wallet()).purchases.at(-1)!
        bought.push({
          buyer: consumer,
          purchaseId: purchase.purchaseId,
          datasetId: target.datasetId,
          price: purchase.price,
        })
        const sale = must('wallet', await target.provider.client.wallet()).sales.find(
          (s) => s.purchaseId === purchase.purchaseId,
        )!
        const listing = must('dataset', await target.provider.client.dataset(target.datasetId)).listing
        const frame = readDatasetFrame(DataHandler.toCsv(target.table), target.table.schema).frame
        must(
          `deliver ${purchase.purchaseId}`,
          await target.provider.client.deliverCopy(sale, frame, target.table.schema, listing.copyEpsilon),
        )
        const copy = must(`open ${purchase.purchaseId}`, await consumer.client.fetchCopy(purchase.purchaseId))
        const stars = 3 + Math.floor(random() * 3)
        must(
          `rate ${purchase.purchaseId}`,
          await consumer.client.rate(
            purchase.purchaseId,
            stars,
            `copy of ${copy.split('\n').length - 1} rows`,
          ),
        )
        progress(
          `market: ${consumer.name} bought, received and rated (${stars}★) a copy of ${target.table.name}`,
        )
      }
    }
    const searches = []
    for (const query of [
      { text: 'diabetes' },
      { category: 'finance' as const },
      { minRating: 4, sort: 'rating' as const },
      { maxPrice: 40, sort: 'price' as const },
    ]) {
      const result = must('search', await consumers[0]!.client.search(query))
      searches.push({ query: JSON.stringify(query), hits: result.hits.map((h) => h.listing.name) })
    }
    const statistics = must('statistics', await consumers[0]!.client.statistics())
    const volume = bought.reduce((s, b) => s + b.price, 0)
    const statisticsMatchTrades =
      statistics.totals.purchases === bought.length && statistics.totals.volume === volume
    const purchases = consumers.flatMap((_, i) => bought.filter((b) => b.buyer === consumers[i]))
    const medical = listed.find((l) => l.generator === 'medical')!.table
    const glucose = medical.rows.map((r) => Number(r['glucose']))
    const copy = anonymizedCopy(
      readDatasetFrame(DataHandler.toCsv(medical), medical.schema).frame,
      medical.schema,
      4,
    ).frame
    const bins = 12
    return {
      listings: listed.map((l, i) => ({
        datasetId: l.datasetId,
        name: l.table.name,
        category: GENERATORS[l.generator].category,
        copyPrice: 20 + 10 * i,
        trainingPrice: 40 + 10 * i,
      })),
      purchases: purchases.map((b) => ({
        purchaseId: b.purchaseId,
        buyer: b.buyer.name,
        datasetId: b.datasetId,
        kind: 'copy',
        price: b.price,
        status: 'delivered',
      })),
      ratings: statistics.totals.ratings,
      searches,
      statistics,
      statisticsMatchTrades,
      privacyEffects: privacyEffects(medical, [0.5, 1, 2, 4, 8, 16, 32]),
      distribution: {
        column: 'glucose',
        bins: Array.from({ length: bins }, (_, i) => String(Math.round(50 + (i * 250) / bins))),
        original: histogram(glucose, 50, 300, bins),
        noised: histogram(copy.get('glucose') as number[], 50, 300, bins),
      },
    }
  } finally {
    for (const p of people) p.client.socket.disconnect()
    if (!existing) await coordinator.close()
  }
}
