import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { MarketController } from '../../controllers/market-controller'
import { clock } from '../format'
import { theme } from '../theme'
import './px-copy-noise'
import './px-copy-utility'
import './px-dp-summary'
import './px-epsilon-budget'

/** A dataset's page: what it is, its DP statistics, its provider's reputation, its ratings, and buying. */
@customElement('px-market-dataset')
export class PxMarketDataset extends LitElement {
  static override styles = [
    theme,
    css`
      .comment {
        white-space: pre-wrap;
      }
    `,
  ]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0

  override render(): TemplateResult {
    const m = this.market
    const d = m.dataset
    if (!d) return html`<p class="muted">Pick a dataset in Browse.</p>`
    const l = d.listing
    const own = l.provider === m.client?.keys.address
    const consumer = !!m.wallet?.consumer
    return html`
      <section class="card">
        <h2 data-testid="dataset-name">${l.name}</h2>
        <p data-testid="dataset-description">${l.description}</p>
        <dl>
          <dt>Category</dt><dd>${l.category}</dd>
          <dt>Tags</dt><dd>${l.tags.join(', ') || '–'}</dd>
          <dt>Rows</dt><dd data-testid="dataset-rows">${l.rows !== undefined ? `${l.rows} (DP count ${l.summary.rows})` : `about ${l.summary.rows} (DP count; the exact count is not published)`}</dd>
          <dt>Columns</dt><dd>${[...l.schema.features.map((f) => f.name), `${l.schema.label.name} (label)`].join(', ')}</dd>
          <dt>Licence</dt><dd>${l.licence || '–'}</dd>
          <dt>Provider</dt><dd data-testid="dataset-provider">${d.provider.name} · reputation ${d.provider.reputation.score.toFixed(2)} / 5 (${d.provider.reputation.ratings} ratings, ${d.provider.reputation.deliveries} deliveries)</dd>
          <dt>Listed</dt><dd>${clock(l.listedAt)} · <code title=${l.txId}>tx ${l.txId.slice(0, 12)}</code></dd>
          <dt>Status</dt><dd>${l.status}</dd>
        </dl>
      </section>
      <section class="card">
        <h2>Buy</h2>
        ${own ? html`<p class="muted">This is your dataset.</p>` : nothing}
        ${!own && !consumer ? html`<p class="muted">Register as a consumer (Wallet) to buy.</p>` : nothing}
        <div class="buttons">
          ${
            l.copyPrice !== null
              ? html`<button class="primary" data-testid="buy-copy" ?disabled=${own || !consumer || l.status !== 'listed'} @click=${() => void m.buy(l.datasetId, 'copy', 'per-row')}>
                  Per-row copy: ${l.copyPrice} tokens (local DP, ε = ${l.copyEpsilon} per row)</button>
                <button class="primary" data-testid="buy-synthetic" ?disabled=${own || !consumer || l.status !== 'listed'} @click=${() => void m.buy(l.datasetId, 'copy', 'synthetic')}>
                  Synthetic copy: ${l.copyPrice} tokens (DP marginals, ε = ${l.copyEpsilon} for the table)</button>`
              : nothing
          }
          ${
            l.trainingPrice !== null
              ? html`<button data-testid="buy-training" ?disabled=${own || !consumer || l.status !== 'listed'} @click=${() => void m.buy(l.datasetId, 'training')}>
                  Training access: ${l.trainingPrice} tokens (${l.trainingRounds} rounds in the provider's tab${l.trainingEpsilon !== undefined ? `, DP-SGD at ε = ${l.trainingEpsilon}` : ''})</button>`
              : nothing
          }
        </div>
        <p class="muted">A copy is made in the provider's browser and sealed to your browser's key: per-row noises every row on its own; synthetic draws new rows from noisy 1- and 2-way marginals (MST, McKenna et al. 2021), keeping the columns' relations far better at the same ε. Training runs where the data lives and you receive the model.</p>
        ${
          l.copyPrice !== null
            ? html`<h3>What each copy keeps</h3><px-copy-utility data-testid="copy-utility" .utility=${l.utility}></px-copy-utility>`
            : nothing
        }
      </section>
      <section class="card" data-testid="dataset-epsilon">
        <h2>Privacy budget</h2>
        <px-epsilon-budget .listing=${l}></px-epsilon-budget>
      </section>
      <section class="card" data-testid="dataset-statistics">
        <h2>Statistics (differentially private, ε = ${l.summary.epsilon})</h2>
        <px-dp-summary .summary=${l.summary}></px-dp-summary>
      </section>
      ${
        l.copyPrice !== null
          ? html`<section class="card" data-testid="copy-expected-error">
              <h2>Expected error of a per-row copy (ε = ${l.copyEpsilon} per row)</h2>
              <px-copy-noise .listing=${l}></px-copy-noise>
            </section>`
          : nothing
      }
      <section class="card">
        <h2>Ratings (${d.average === null ? 'none yet' : `${d.average.toFixed(1)}★ from ${d.ratings.length}`})</h2>
        <ul>
          ${d.ratings.map(
            (r) =>
              html`<li data-testid="rating">${'★'.repeat(r.stars)}${'☆'.repeat(5 - r.stars)} <span class="comment" data-testid="rating-comment">${r.comment}</span> <span class="muted">${clock(r.at)}</span></li>`,
          )}
        </ul>
      </section>
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-dataset': PxMarketDataset
  }
}
