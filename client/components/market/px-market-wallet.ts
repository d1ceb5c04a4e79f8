import { html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { defuseCsvText } from '../../../shared/data/csv-cell'
import type { MarketController } from '../../controllers/market-controller'
import { theme } from '../theme'
import './px-bought-training'
import './px-market-copies'
import './px-market-sales'

/** One's wallet: balance, profiles, purchases (open copies, rate), sales (deliver copies, join bought training). */
@customElement('px-market-wallet')
export class PxMarketWallet extends LitElement {
  static override styles = [theme]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0
  /** Downloadable copies, by purchase: the seller's text with formula cells escaped, made once per text. */
  readonly #safeCopies = new Map<string, { text: string; safe: string }>()

  override render(): TemplateResult {
    const m = this.market
    const w = m.wallet
    if (!w) return html`<p class="muted">Connecting…</p>`
    return html`
      <section class="card">
        <h2>Wallet</h2>
        <p>Balance: <b data-testid="wallet-balance">${w.account.balance}</b> tokens</p>
        ${!w.account.faucetClaimed && w.account.faucetAmount > 0 ? html`<button data-testid="market-claim" @click=${() => void m.claim()}>Claim ${w.account.faucetAmount} tokens</button>` : nothing}
        <form class="settings" @submit=${(e: SubmitEvent) => this.#register(e, 'provider')}>
          <label>Provider name <input name="name" data-testid="provider-name" .value=${w.provider?.name ?? ''} /></label>
          <label>About <input name="description" .value=${w.provider?.description ?? ''} /></label>
          <label>&nbsp;<button type="submit" data-testid="register-provider">${w.provider ? 'Update provider profile' : 'Register as a provider'}</button></label>
        </form>
        ${w.provider ? html`<p class="muted">Reputation ${w.provider.reputation.score.toFixed(2)} / 5 · ${w.provider.reputation.deliveries} deliveries · ${w.provider.reputation.trainedExamples} examples trained</p>` : nothing}
        <form class="settings" @submit=${(e: SubmitEvent) => this.#register(e, 'consumer')}>
          <label>Consumer name <input name="name" data-testid="consumer-name" .value=${w.consumer?.name ?? ''} /></label>
          <label>&nbsp;<button type="submit" data-testid="register-consumer">${w.consumer ? 'Update consumer profile' : 'Register as a consumer'}</button></label>
        </form>
      </section>
      <section class="card">
        <h2>Purchases</h2>
        <table>
          <thead><tr><th>Purchase</th><th>Dataset</th><th>Kind</th><th>Price</th><th>Status</th><th></th></tr></thead>
          <tbody>
            ${w.purchases.map(
              (p) => html`<tr data-testid="purchase-row">
                <td><code title=${p.txId}>${p.purchaseId}</code></td>
                <td>${p.datasetName}</td>
                <td>${p.kind}</td>
                <td>${p.price}</td>
                <td data-testid="purchase-status">${p.status}</td>
                <td>
                  ${p.status === 'delivered' ? html`<button data-testid="open-copy" @click=${() => void m.openCopy(p.purchaseId)}>Open the copy</button>` : nothing}
                  ${p.status === 'pending' ? html`<button @click=${() => void m.cancel(p.purchaseId)}>Cancel</button>` : nothing}
                  ${p.kind === 'training' ? html`<px-bought-training .market=${m} .purchase=${p} .version=${this.version}></px-bought-training>` : nothing}
                  ${
                    !p.rated &&
                    (p.status === 'delivered' || p.status === 'training' || p.status === 'completed')
                      ? html`<form style="display:inline" @submit=${(e: SubmitEvent) => this.#rate(e, p.purchaseId)}>
                          <select name="stars" data-testid="rate-stars">${[5, 4, 3, 2, 1].map((s) => html`<option value=${s}>${s}★</option>`)}</select>
                          <input name="comment" data-testid="rate-comment" placeholder="comment" maxlength="1000" />
                          <button type="submit" data-testid="rate-submit">Rate</button>
                        </form>`
                      : nothing
                  }
                  ${
                    m.copies.has(p.purchaseId)
                      ? html`<div><a data-testid="copy-download" download="${p.datasetName}-anonymized.csv" href=${`data:text/csv;charset=utf-8,${encodeURIComponent(this.#safeCopy(p.purchaseId, m.copies.get(p.purchaseId)!))}`}>Download (${m.copies.get(p.purchaseId)!.split('\n').length - 1} rows)</a></div>`
                      : nothing
                  }
                </td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <px-market-copies .market=${m} .version=${this.version}></px-market-copies>
      <px-market-sales .market=${m} .version=${this.version}></px-market-sales>
    `
  }

  #register(event: SubmitEvent, role: 'provider' | 'consumer'): void {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const name = String(form.get('name') ?? '').trim()
    if (role === 'provider')
      void this.market.registerProvider(name, String(form.get('description') ?? '').trim())
    else void this.market.registerConsumer(name)
  }

  #rate(event: SubmitEvent, purchaseId: string): void {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    void this.market.rate(purchaseId, Number(form.get('stars')), String(form.get('comment') ?? ''))
  }

  /** The copy as it is offered for download: the seller made it, so its cells are escaped here, not trusted. */
  #safeCopy(purchaseId: string, text: string): string {
    const cached = this.#safeCopies.get(purchaseId)
    if (cached?.text === text) return cached.safe
    const safe = defuseCsvText(text)
    this.#safeCopies.set(purchaseId, { text, safe })
    return safe
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-wallet': PxMarketWallet
  }
}
