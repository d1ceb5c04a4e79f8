import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { epsilonLeft, epsilonSpent, epsilonText, isBudgeted } from '../../../shared/market/epsilon-ledger'
import { counted, salesDigest } from '../../../shared/market/sales-digest'
import type { MarketController } from '../../controllers/market-controller'
import { clock } from '../format'
import { theme } from '../theme'

/**
 * A provider's sales: new ones marked, the deliveries and trainings still owed counted in badges, what each open
 * sale's buyer waits for, and the action that settles it (make and deliver the copy; train it in a tab). Then the
 * provider's datasets, with delisting.
 */
@customElement('px-market-sales')
export class PxMarketSales extends LitElement {
  static override styles = [
    theme,
    css`
      .badges {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-bottom: 0.5rem;
      }
      .badge.owed {
        background: #fff3df;
        color: var(--px-warn);
      }
      .badge.new {
        background: #e3f5ea;
        color: var(--px-good);
      }
      td.waiting {
        white-space: normal;
        font-size: 0.8rem;
        color: var(--px-muted);
        max-width: 22rem;
      }
    `,
  ]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0

  override render(): TemplateResult {
    const m = this.market
    const w = m.wallet
    if (!w) return html``
    const digest = salesDigest(w.sales, m.salesSeenBefore)
    return html`<section class="card" data-testid="sales">
      <h2>Sales</h2>
      <div class="badges">
        ${digest.pendingDeliveries ? html`<span class="badge owed" data-testid="pending-deliveries">${counted(digest.pendingDeliveries, 'pending delivery', 'pending deliveries')}</span>` : nothing}
        ${digest.trainingsToRun ? html`<span class="badge owed" data-testid="trainings-to-run">${counted(digest.trainingsToRun, 'training to run', 'trainings to run')}</span>` : nothing}
        ${digest.fresh ? html`<span class="badge new" data-testid="new-sales">${counted(digest.fresh, 'new sale', 'new sales')}</span>` : nothing}
        ${w.sales.length === 0 ? html`<span class="muted" data-testid="no-sales">No sales yet.</span>` : nothing}
      </div>
      ${
        w.sales.length
          ? html`<table>
              <thead><tr><th>Purchase</th><th>Dataset</th><th>Kind</th><th>Price, ε</th><th>Status</th><th>Waiting for</th><th>When</th><th></th></tr></thead>
              <tbody>
                ${digest.lines.map(
                  ({ sale: s, waitingFor, fresh }) => html`<tr data-testid="sale-row">
                    <td><code title=${s.txId}>${s.purchaseId}</code> ${fresh ? html`<span class="badge new">new</span>` : nothing}</td>
                    <td>${s.datasetName}</td>
                    <td>${s.kind === 'training' ? 'training' : s.copyKind === 'synthetic' ? 'synthetic copy' : 'copy'}</td>
                    <td>${s.price}${s.epsilonCharged === undefined ? nothing : html` <span class="muted" data-testid="sale-epsilon">${s.epsilonCharged > 0 ? `ε ${epsilonText(s.epsilonCharged)}` : 'ε 0 (resold)'}</span>`}</td>
                    <td data-testid="sale-status">${s.status}</td>
                    <td class="waiting" data-testid="sale-waiting">${waitingFor ?? '–'}</td>
                    <td>${clock(s.createdAt)}</td>
                    <td>
                      ${s.kind !== 'training' && s.status === 'pending' ? html`<button class="primary" data-testid="deliver" @click=${() => void m.deliver(s)}>Make and deliver the copy</button>` : nothing}
                      ${s.kind === 'training' && s.status === 'training' && s.taskId ? html`<a data-testid="join-training" href=${`/?task=${encodeURIComponent(s.taskId)}`} target="_blank">Train it in a tab (load the same CSV)</a>` : nothing}
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : nothing
      }
      <h3>Your datasets</h3>
      <ul>
        ${w.datasets.map(
          (
            d,
          ) => html`<li>${d.name} (${d.datasetId}, ${d.status}, ${d.purchases} sold, ${d.revenue} earned${isBudgeted(d) ? html`, <span data-testid="own-epsilon">ε ${epsilonText(epsilonSpent(d))} spent, ${epsilonText(epsilonLeft(d))} of ${epsilonText(d.epsilonBudget)} left</span>` : nothing})
            ${d.status === 'listed' ? html`<button @click=${() => void m.delist(d.datasetId)}>Delist</button>` : nothing}</li>`,
        )}
      </ul>
    </section>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-sales': PxMarketSales
  }
}
