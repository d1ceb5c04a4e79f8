import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { type CopyNoise, perRowCopyNoise } from '../../../shared/market/copy-noise'
import { type CopyColumnPreview, type CopyPreview, copyPreview } from '../../../shared/market/copy-preview'
import type { DpColumnSummary, Listing } from '../../../shared/market/types'
import type { MarketController } from '../../controllers/market-controller'
import { percent } from '../format'
import { theme } from '../theme'
import { countsText, digitsFor, meanText, stdText } from './dp-format'

/**
 * The copies opened in this page, each previewed beside its listing: the first rows, and per column the copy's own
 * figures next to the listing's DP summary and the noise the mechanism adds per value, so a buyer sees what the
 * copy holds before using it. The copy's cells are the seller's text: shown as text only.
 */
@customElement('px-market-copies')
export class PxMarketCopies extends LitElement {
  static override styles = [
    theme,
    css`
      td {
        white-space: normal;
      }
      .rows {
        overflow-x: auto;
        max-width: 100%;
      }
      .rows td {
        white-space: nowrap;
        font-family: ui-monospace, monospace;
        font-size: 0.8rem;
      }
    `,
  ]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0
  /** Previews by purchase, made once per copy text. */
  readonly #previews = new Map<string, { text: string; listing: Listing; preview: CopyPreview }>()

  override render(): TemplateResult | typeof nothing {
    const m = this.market
    const opened = [...m.copies.keys()]
    if (opened.length === 0) return nothing
    return html`${opened.map((purchaseId) => this.#copy(purchaseId))}`
  }

  #copy(purchaseId: string): TemplateResult {
    const m = this.market
    const purchase = m.wallet?.purchases.find((p) => p.purchaseId === purchaseId)
    const listing = m.copyListings.get(purchaseId)
    const title = `Copy ${purchaseId}${purchase ? ` of ${purchase.datasetName}` : ''}`
    if (!listing)
      return html`<section class="card"><h2>${title}</h2><p class="muted">The listing could not be read: no preview.</p></section>`
    const p = this.#preview(purchaseId, m.copies.get(purchaseId)!, listing)
    const kind = purchase?.copyKind ?? 'per-row'
    const noise = kind === 'per-row' ? perRowCopyNoise(listing.schema, listing.copyEpsilon) : null
    return html`
      <section class="card" data-testid="copy-preview">
        <h2>${title}: ${p.rows} rows (${kind}, ε = ${listing.copyEpsilon})</h2>
        <div class="rows">
          <table data-testid="copy-preview-rows">
            <thead><tr>${p.header.map((h) => html`<th>${h}</th>`)}</tr></thead>
            <tbody>${p.first.map((r) => html`<tr>${r.map((v) => html`<td>${v}</td>`)}</tr>`)}</tbody>
          </table>
        </div>
        <p class="muted">The first ${p.first.length} of ${p.rows} rows.</p>
        <table data-testid="copy-preview-columns">
          <thead><tr><th>Column</th><th>In the copy</th><th>Listing's DP summary (95% intervals)</th><th>Noise added per value</th></tr></thead>
          <tbody>
            ${p.columns.map(
              (c) => html`<tr data-testid="copy-preview-column">
                <td>${c.name}</td>
                <td>${copyText(c)}</td>
                <td>${summaryText(listing.summary.columns.find((s) => s.name === c.name))}</td>
                <td>${noiseText(noise, c.name)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>
    `
  }

  #preview(purchaseId: string, text: string, listing: Listing): CopyPreview {
    const cached = this.#previews.get(purchaseId)
    if (cached?.text === text && cached.listing === listing) return cached.preview
    const preview = copyPreview(text, listing.schema)
    this.#previews.set(purchaseId, { text, listing, preview })
    return preview
  }
}

function copyText(c: CopyColumnPreview): string {
  if (c.kind === 'numeric') {
    if (c.count === 0) return 'no numbers'
    const d = digitsFor(c.std / 10)
    const bad = c.invalid ? ` · ${c.invalid} not numbers` : ''
    return `mean ${c.mean.toFixed(d)} · std ${c.std.toFixed(d)} · [${c.min.toFixed(d)}, ${c.max.toFixed(d)}]${bad}`
  }
  const other = c.other > 0 ? `, other: ${percent(c.other)}` : ''
  return `${c.shares.map((s) => `${s.value}: ${percent(s.share)}`).join(', ')}${other}`
}

function summaryText(s: DpColumnSummary | undefined): string {
  if (!s) return '–'
  return s.kind === 'numeric' ? `mean ${meanText(s)} · std ${stdText(s)}` : countsText(s)
}

function noiseText(noise: CopyNoise | null, column: string): string {
  if (!noise) return 'synthetic rows: drawn from noisy marginals, no per-value noise'
  const c = noise.columns.find((n) => n.column === column)
  if (!c) return '–'
  if (c.kind === 'numeric') {
    const d = digitsFor(c.scale)
    return `Laplace b = ${c.scale.toFixed(d)}: mean absolute error ${c.meanAbsError.toFixed(d)}, std ${c.noiseStd.toFixed(d)}`
  }
  return `randomized response: ${percent(c.flipRate)} of values replaced`
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-copies': PxMarketCopies
  }
}
