import { html, LitElement, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { MarketController } from '../../controllers/market-controller'
import '../px-series-chart'
import { seriesColor } from '../px-series-chart'
import { theme } from '../theme'

/** Market statistics from the chain: totals, volume per day, price trends per category, top lists. */
@customElement('px-market-stats')
export class PxMarketStats extends LitElement {
  static override styles = [theme]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0

  override render(): TemplateResult {
    const s = this.market.statistics
    if (!s) return html`<p class="muted">Loading statistics…</p>`
    const t = s.totals
    const days = [...new Set(s.priceTrends.flatMap((c) => c.points.map((p) => p.day)))].sort()
    return html`
      <section class="card">
        <h2>Totals</h2>
        <p data-testid="market-totals">${t.datasets} datasets (${t.listed} listed) · ${t.providers} providers · ${t.consumers} consumers · ${t.purchases} purchases · volume ${t.volume} tokens · ${t.ratings} ratings</p>
        <p class="muted">Every figure is computed from market records on the chain; each record names the transaction that made it.</p>
      </section>
      <div class="grid" style="display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem">
        <section class="card">
          <h2>Purchases and volume per day</h2>
          <px-series-chart kind="bar" caption="purchases and volume per day" yTitle="purchases" y2Title="tokens"
            .labels=${s.daily.map((d) => d.day)}
            .series=${[
              { label: 'purchases', color: seriesColor(0), values: s.daily.map((d) => d.transactions) },
              {
                label: 'volume (tokens)',
                color: seriesColor(1),
                values: s.daily.map((d) => d.volume),
                axis: 'right',
                kind: 'line',
              },
            ]}></px-series-chart>
        </section>
        <section class="card">
          <h2>Mean price paid per category</h2>
          <px-series-chart kind="line" caption="mean price per category per day" .labels=${days}
            .series=${s.priceTrends.map((c, i) => ({
              label: c.category,
              color: seriesColor(i),
              values: days.map((d) => c.points.find((p) => p.day === d)?.meanPrice ?? null),
            }))}></px-series-chart>
        </section>
      </div>
      <div class="grid" style="display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem">
        <section class="card">
          <h2>Most popular</h2>
          <ol data-testid="most-popular">${s.mostPopular.map((d) => html`<li>${d.name}: ${d.purchases} purchases</li>`)}</ol>
        </section>
        <section class="card">
          <h2>Top rated</h2>
          <ol data-testid="top-rated">${s.topRated.map((d) => html`<li>${d.name}: ${d.average.toFixed(1)}★ (${d.ratings})</li>`)}</ol>
        </section>
        <section class="card">
          <h2>Top providers</h2>
          <ol data-testid="top-providers">${s.topProviders.map((p) => html`<li>${p.name}: ${p.revenue} tokens, reputation ${p.reputation.score.toFixed(2)}</li>`)}</ol>
        </section>
      </div>
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-stats': PxMarketStats
  }
}
