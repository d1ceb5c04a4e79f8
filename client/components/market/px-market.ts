import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement } from 'lit/decorators.js'
import { salesDigest } from '../../../shared/market/sales-digest'
import { MarketController, type MarketView } from '../../controllers/market-controller'
import { theme } from '../theme'
import './px-market-browse'
import './px-market-dataset'
import './px-market-list'
import './px-market-stats'
import './px-market-wallet'

const VIEWS: { view: MarketView; label: string }[] = [
  { view: 'browse', label: 'Browse' },
  { view: 'list', label: 'List a dataset' },
  { view: 'wallet', label: 'Wallet & history' },
  { view: 'statistics', label: 'Statistics' },
]

/** The data market page: browse and search, a dataset's page, list from a CSV, buy, rate, wallet, statistics. */
@customElement('px-market')
export class PxMarket extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        max-width: 1100px;
        margin: 0 auto;
        padding: 1.5rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.75rem;
      }
      nav {
        display: flex;
        gap: 0.5rem;
        margin: 1rem 0;
        flex-wrap: wrap;
      }
      nav button[aria-current='page'] {
        background: var(--px-ink);
        color: white;
      }
      .error {
        color: var(--px-bad);
      }
    `,
  ]

  readonly market = new MarketController(this)

  override render(): TemplateResult {
    const m = this.market
    const w = m.wallet
    const sales = w ? salesDigest(w.sales, m.salesSeenBefore) : null
    const owed = sales ? sales.pendingDeliveries + sales.trainingsToRun : 0
    return html`
      <header>
        <h1 style="margin:0;font-size:1.4rem">Privx data market</h1>
        <span class="badge" data-testid="market-balance">${w ? `${w.account.balance} tokens` : '…'}</span>
        <span class="muted"><code title=${m.client?.keys.address ?? ''}>${m.client?.keys.address.slice(0, 16) ?? ''}…</code></span>
        <a href="/">Training tab</a> · <a href="/coordinator">Coordinator page</a>
      </header>
      <nav>
        ${VIEWS.map(
          (v) =>
            html`<button data-testid="nav-${v.view}" aria-current=${m.view === v.view ? 'page' : 'false'} @click=${() => m.show(v.view)}>${v.label}${v.view === 'wallet' && owed ? html` <span class="badge" data-testid="nav-owed" title="sales waiting for you: copies to deliver, trainings to run">${owed}</span>` : nothing}</button>`,
        )}
      </nav>
      ${m.message ? html`<p class=${m.message.ok ? 'muted' : 'error'} data-testid="market-message">${m.message.text}</p>` : nothing}
      ${this.#view()}
    `
  }

  #view(): TemplateResult {
    const m = this.market
    switch (m.view) {
      case 'browse':
        return html`<px-market-browse .market=${m} .version=${m.version}></px-market-browse>`
      case 'dataset':
        return html`<px-market-dataset .market=${m} .version=${m.version}></px-market-dataset>`
      case 'list':
        return html`<px-market-list .market=${m} .version=${m.version}></px-market-list>`
      case 'wallet':
        return html`<px-market-wallet .market=${m} .version=${m.version}></px-market-wallet>`
      case 'statistics':
        return html`<px-market-stats .market=${m} .version=${m.version}></px-market-stats>`
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market': PxMarket
  }
}
