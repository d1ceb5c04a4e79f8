import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { io } from 'socket.io-client'
import { errorMessage } from '../../shared/errors'
import { readDatasetFrame } from '../../shared/market/dataset-frame'
import type { DatasetView, WalletView } from '../../shared/market/protocol'
import type { SearchQuery, SearchResult } from '../../shared/market/search'
import type { MarketStatistics } from '../../shared/market/statistics'
import type { CopyKind, Listing, Purchase, SaleKind } from '../../shared/market/types'
import type { Result } from '../../shared/result'
import type { CsvReport } from '../data/csv/csv-report'
import { readCsv } from '../data/csv/read-csv'
import { BoughtModels } from '../market/bought-models'
import {
  browserEnvelopeKeys,
  browserKeptCopies,
  keepDataset,
  keptDataset,
} from '../market/browser-market-store'
import { type ListingDraft, MarketClient } from '../market/market-client'
import { browserKeys } from '../session/browser-keys'
import type { ClientSocket } from '../session/client-socket'

export type MarketView = 'browse' | 'dataset' | 'list' | 'wallet' | 'statistics'

/**
 * The market page's state: this browser's account (the same key as its training tabs), its wallet, the current
 * search, the dataset open, the statistics. Refreshes on every `market:changed`. Every action reports its outcome
 * in `message`.
 */
export class MarketController implements ReactiveController {
  view: MarketView = 'browse'
  client: MarketClient | null = null
  wallet: WalletView | null = null
  query: SearchQuery = { text: '', sort: 'recency', page: 1, pageSize: 10 }
  results: SearchResult | null = null
  dataset: DatasetView | null = null
  statistics: MarketStatistics | null = null
  message: { ok: boolean; text: string } | null = null
  /** Bought copies opened in this page: purchase id to CSV text. */
  readonly copies = new Map<string, string>()
  /** The listings of the copies opened (as they stood when opened): purchase id to listing. */
  readonly copyListings = new Map<string, Listing>()
  /** Models of training purchases fetched in this page; a model the coordinator has since replaced is withdrawn. */
  readonly models = new BoughtModels()
  /** Sales this browser had seen before the wallet view was last opened: the others are shown as new. */
  salesSeenBefore: ReadonlySet<string> = new Set()
  /** Bumped on every change: the page passes it to its views so they re-render (they share this controller). */
  version = 0
  #socket: ClientSocket | null = null

  #changed(): void {
    this.version++
    this.host.requestUpdate()
  }

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this)
  }

  hostConnected(): void {
    void this.#start()
    window.addEventListener('hashchange', this.#followHash)
  }

  hostDisconnected(): void {
    this.#socket?.disconnect()
    window.removeEventListener('hashchange', this.#followHash)
  }

  /** `/market#ds-7` opens that dataset's page: links to datasets can be shared. */
  readonly #followHash = (): void => {
    const hash = location.hash.replace(/^#/, '')
    if (/^ds-\d+$/.test(hash)) void this.open(hash)
  }

  async #start(): Promise<void> {
    const socket = io({ transports: ['websocket'] }) as ClientSocket
    this.#socket = socket
    socket.on('market:changed', () => void this.refresh())
    socket.on('market:training', () => void this.refresh())
    socket.on('connect', () => void this.refresh())
    // The socket may connect while the envelope key loads: refresh once the client exists.
    this.client = new MarketClient(socket, browserKeys(), await browserEnvelopeKeys(), browserKeptCopies())
    await this.refresh()
    this.#followHash()
  }

  async refresh(): Promise<void> {
    const client = this.client
    if (!client) return
    const [wallet, results] = await Promise.all([client.wallet(), client.search(this.query)])
    if (wallet.ok) {
      const before = this.wallet
      this.wallet = wallet.value
      this.#noticeSales(before, wallet.value)
      this.models.sync(wallet.value)
    }
    if (results.ok) this.results = results.value
    if (this.dataset) {
      const page = await client.dataset(this.dataset.listing.datasetId)
      if (page.ok) this.dataset = page.value
    }
    if (this.view === 'statistics') await this.loadStatistics()
    this.#changed()
  }

  show(view: MarketView): void {
    this.view = view
    this.message = null
    if (view === 'wallet') this.#visitSales()
    if (view === 'statistics') void this.loadStatistics()
    this.#changed()
  }

  /** A sale that was not there at the last refresh is announced, whatever view is open. */
  #noticeSales(before: WalletView | null, after: WalletView): void {
    if (!before) {
      if (this.view === 'wallet') this.#visitSales()
      return
    }
    const known = new Set(before.sales.map((s) => s.purchaseId))
    const fresh = after.sales.filter((s) => !known.has(s.purchaseId))
    if (fresh.length === 0) return
    const what = fresh.map(
      (s) =>
        `${s.kind === 'training' ? 'training access to' : 'a copy of'} "${s.datasetName}" (${s.purchaseId}, ${s.price} tokens)`,
    )
    this.message = { ok: true, text: `new sale: ${what.join('; ')}. See Wallet & history, Sales.` }
  }

  /** Marks every current sale as seen in this browser, keeping the earlier set to show which ones are new. */
  #visitSales(): void {
    const address = this.client?.keys.address
    if (!this.wallet || !address) return
    const key = `privx:market:sales-seen:${address}`
    try {
      const stored: unknown = JSON.parse(localStorage.getItem(key) ?? '[]')
      this.salesSeenBefore = new Set(
        Array.isArray(stored) ? stored.filter((id) => typeof id === 'string') : [],
      )
      localStorage.setItem(key, JSON.stringify(this.wallet.sales.map((s) => s.purchaseId)))
    } catch {
      this.salesSeenBefore = new Set()
    }
  }

  async loadStatistics(): Promise<void> {
    const stats = await this.client?.statistics()
    if (stats?.ok) this.statistics = stats.value
    this.#changed()
  }

  async search(query: SearchQuery): Promise<void> {
    this.query = query
    const results = await this.client?.search(query)
    if (!results) return
    if (results.ok) this.results = results.value
    else this.#say(results)
    this.#changed()
  }

  async open(datasetId: string): Promise<void> {
    const page = await this.client?.dataset(datasetId)
    if (!page) return
    if (page.ok) {
      this.dataset = page.value
      this.view = 'dataset'
      this.message = null
    } else this.#say(page)
    this.#changed()
  }

  async #run<T>(what: string, work: () => Promise<Result<T>>): Promise<boolean> {
    try {
      const result = await work()
      this.#say(result, what)
      await this.refresh()
      return result.ok
    } catch (error) {
      this.message = { ok: false, text: `${what}: ${errorMessage(error)}` }
      this.#changed()
      return false
    }
  }

  #say<T>(result: Result<T>, what = ''): void {
    this.message = result.ok
      ? { ok: true, text: `${what}: done` }
      : { ok: false, text: `${what ? `${what}: ` : ''}${result.error.message}` }
  }

  claim = () => this.#run('claim tokens', () => this.client!.claimTokens())
  registerProvider = (name: string, description: string) =>
    this.#run('register as a provider', () => this.client!.registerProvider(name, description))
  registerConsumer = (name: string) =>
    this.#run('register as a consumer', () => this.client!.registerConsumer(name))
  buy = (datasetId: string, kind: SaleKind, copyKind: CopyKind = 'per-row') =>
    this.#run(
      `buy ${kind === 'training' ? 'training access' : copyKind === 'synthetic' ? 'a synthetic copy' : 'an anonymized copy'}`,
      () => this.client!.purchase(datasetId, kind, copyKind),
    )
  rate = (purchaseId: string, stars: number, comment: string) =>
    this.#run('rate', () => this.client!.rate(purchaseId, stars, comment))
  cancel = (purchaseId: string) => this.#run('cancel', () => this.client!.cancel(purchaseId))
  delist = (datasetId: string) => this.#run('delist', () => this.client!.delist(datasetId))

  /**
   * Lists a dataset from a CSV read here; its rows stay in this browser (kept in IndexedDB to deliver copies later).
   * The file is first read as a training tab reads it (`readCsv`): its report, with the line, column and value of
   * every problem, comes back for the page to show, whether or not the listing went through. Rows with a problem
   * are left out only when `leaveOutBadRows` says so; otherwise the listing is refused with the report. The
   * listing's payload (summary, rows) is built in one place, `MarketClient.listDataset`.
   */
  async list(
    csv: string,
    fileName: string,
    draft: ListingDraft,
    options: { leaveOutBadRows?: boolean } = {},
  ): Promise<{ listed: boolean; report: CsvReport }> {
    const { report } = await readCsv(csv, fileName, draft.schema)
    const refuse = (why: string) => {
      this.message = { ok: false, text: `${fileName} cannot be listed: ${why}` }
      this.#changed()
      return { listed: false, report }
    }
    if (report.fatal) return refuse(`${report.fatal} (the report below gives lines and columns)`)
    if (report.rows.dropped > 0 && !options.leaveOutBadRows) {
      return refuse(
        `${report.rows.dropped} of ${report.rows.total} rows have a problem (the report below gives each line and column): fix the file, or list with those rows left out`,
      )
    }
    const read = readDatasetFrame(csv, draft.schema)
    if (read.fatal) {
      const where = read.problems
        .slice(0, 3)
        .map((p) => `line ${p.line}, column "${p.column}": "${p.value.slice(0, 40)}" is ${p.message}`)
      return refuse(`${read.fatal}${where.length ? `: ${where.join('; ')}` : ''}`)
    }
    const before = new Set(this.wallet?.datasets.map((d) => d.datasetId))
    const listed = await this.#run('list the dataset', () => this.client!.listDataset(read.frame, draft))
    if (!listed) return { listed: false, report }
    const created = this.wallet?.datasets.find((d) => !before.has(d.datasetId))
    if (created) await keepDataset(created.datasetId, { csv, schema: draft.schema, fileName })
    this.message = {
      ok: true,
      text: `listed as ${created?.datasetId ?? 'a new dataset'} (${read.rows} rows${read.droppedRows ? `, ${read.droppedRows} dropped` : ''}); the file stays in this browser`,
    }
    this.#changed()
    return { listed: true, report }
  }

  /** Makes, seals and delivers the anonymized copy of a sale from the file kept in this browser. */
  async deliver(sale: Purchase): Promise<void> {
    const kept = await keptDataset(sale.datasetId)
    const listing = this.wallet?.datasets.find((d) => d.datasetId === sale.datasetId)
    if (!kept || !listing) {
      this.message = {
        ok: false,
        text: `the file of ${sale.datasetId} is not kept in this browser: list it from here to deliver`,
      }
      this.#changed()
      return
    }
    const frame = readDatasetFrame(kept.csv, kept.schema).frame
    await this.#run(`deliver ${sale.purchaseId}`, () =>
      this.client!.deliverCopy(sale, frame, kept.schema, listing.copyEpsilon),
    )
  }

  /** The model trained for one of this browser's training purchases (signed request: only the buyer gets it). */
  async fetchModel(purchaseId: string): Promise<void> {
    const model = await this.client?.fetchModel(purchaseId)
    if (!model) return
    if (model.ok) this.models.add(purchaseId, model.value)
    else this.#say(model, 'get the model')
    this.#changed()
  }

  /** Opens a bought copy, with its listing (schema and DP summary) so the page can preview it beside them. */
  async openCopy(purchaseId: string): Promise<void> {
    const copy = await this.client?.fetchCopy(purchaseId)
    if (!copy) return
    if (copy.ok) {
      const datasetId = this.wallet?.purchases.find((p) => p.purchaseId === purchaseId)?.datasetId
      const page = datasetId ? await this.client?.dataset(datasetId) : undefined
      if (page?.ok) this.copyListings.set(purchaseId, page.value.listing)
      this.copies.set(purchaseId, copy.value)
    } else this.#say(copy, 'open the copy')
    this.#changed()
  }
}
