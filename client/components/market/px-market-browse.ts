import { css, html, LitElement, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { epsilonLeft, epsilonText, isBudgeted } from '../../../shared/market/epsilon-ledger'
import type { SearchQuery } from '../../../shared/market/search'
import { DATASET_CATEGORIES } from '../../../shared/market/types'
import type { MarketController } from '../../controllers/market-controller'
import { theme } from '../theme'

const stars = (average: number | null, count: number): string =>
  average === null ? 'no ratings' : `${average.toFixed(1)}★ (${count})`

/** Search and browse: text, filters, sort, pages. */
@customElement('px-market-browse')
export class PxMarketBrowse extends LitElement {
  static override styles = [
    theme,
    css`
      td.name button {
        all: unset;
        cursor: pointer;
        color: var(--px-accent, #2563eb);
        text-decoration: underline;
      }
    `,
  ]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0

  override render(): TemplateResult {
    const m = this.market
    const q = m.query
    const r = m.results
    return html`
      <form class="settings card" @submit=${this.#submit}>
        <label>Search <input name="text" data-testid="search-text" .value=${q.text ?? ''} placeholder="words in name, description, tags" /></label>
        <label
          >Category
          <select name="category" data-testid="search-category">
            <option value="">any</option>
            ${DATASET_CATEGORIES.map((c) => html`<option value=${c} ?selected=${q.category === c}>${c}</option>`)}
          </select>
        </label>
        <label>Min price <input name="minPrice" type="number" min="0" .value=${q.minPrice === undefined ? '' : String(q.minPrice)} /></label>
        <label>Max price <input name="maxPrice" type="number" min="0" .value=${q.maxPrice === undefined ? '' : String(q.maxPrice)} /></label>
        <label>Min rating <input name="minRating" type="number" min="0" max="5" step="0.5" .value=${q.minRating === undefined ? '' : String(q.minRating)} /></label>
        <label
          >For sale
          <select name="saleType">
            <option value="">copy or training</option>
            <option value="copy" ?selected=${q.saleType === 'copy'}>anonymized copy</option>
            <option value="training" ?selected=${q.saleType === 'training'}>training access</option>
          </select>
        </label>
        <label
          >Sort
          <select name="sort" data-testid="search-sort">
            ${(['recency', 'price', 'rating', 'popularity'] as const).map((s) => html`<option value=${s} ?selected=${q.sort === s}>${s}</option>`)}
          </select>
        </label>
        <label>&nbsp;<button class="primary" type="submit" data-testid="search-submit">Search</button></label>
      </form>
      <section class="card">
        <p class="muted" data-testid="search-total">${r ? `${r.total} datasets` : '…'}</p>
        ${
          r?.total === 0 && !q.text && !q.category
            ? html`<p data-testid="market-empty">Nothing is listed yet. In <b>Wallet &amp; history</b>, claim tokens and
                register as a provider, then <b>List a dataset</b> from a CSV (try <code>examples/clinic-a.csv</code>:
                its schema is inferred from the file). <code>npx privx market</code> shows a whole session in a terminal.</p>`
            : ''
        }
        <table>
          <thead><tr><th>Dataset</th><th>Category</th><th>Tags</th><th>Rows (DP)</th><th>ε left</th><th>Copy</th><th>Training</th><th>Rating</th><th>Sold</th></tr></thead>
          <tbody>
            ${(r?.hits ?? []).map(
              (h) => html`<tr data-testid="search-hit">
                <td class="name"><button data-testid="open-${h.listing.datasetId}" @click=${() => void m.open(h.listing.datasetId)}>${h.listing.name}</button></td>
                <td>${h.listing.category}</td>
                <td>${h.listing.tags.join(', ')}</td>
                <td>${h.listing.summary.rows}</td>
                <td data-testid="hit-epsilon">${isBudgeted(h.listing) ? `${epsilonText(epsilonLeft(h.listing))} of ${epsilonText(h.listing.epsilonBudget)}` : '–'}</td>
                <td>${h.listing.copyPrice ?? '–'}</td>
                <td>${h.listing.trainingPrice ?? '–'}</td>
                <td>${stars(h.rating.average, h.rating.count)}</td>
                <td>${h.listing.purchases}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${
          r && r.pages > 1
            ? html`<p>
                <button ?disabled=${r.page <= 1} @click=${() => void m.search({ ...q, page: r.page - 1 })}>Previous</button>
                page ${r.page} of ${r.pages}
                <button ?disabled=${r.page >= r.pages} @click=${() => void m.search({ ...q, page: r.page + 1 })}>Next</button>
              </p>`
            : ''
        }
      </section>
    `
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const text = (k: string) => String(form.get(k) ?? '').trim()
    const num = (k: string) => (text(k) === '' ? undefined : Number(text(k)))
    const query: Record<string, unknown> = {
      text: text('text'),
      sort: text('sort') || 'recency',
      page: 1,
      pageSize: 10,
      minPrice: num('minPrice'),
      maxPrice: num('maxPrice'),
      minRating: num('minRating'),
      category: text('category') || undefined,
      saleType: text('saleType') || undefined,
    }
    for (const k of Object.keys(query)) if (query[k] === undefined) delete query[k]
    void this.market.search(query as SearchQuery)
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-browse': PxMarketBrowse
  }
}
