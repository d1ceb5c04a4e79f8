import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import type { FederatedStatistics } from '../../shared/protocol'
import { clock, decimal } from './format'
import { theme } from './theme'

/**
 * Federated column statistics of a CSV task, under local DP: asks every tab for noised counts and sums (each tab
 * spends the chosen epsilon on its rows) and shows the pooled mean and deviation per numeric column.
 * Emits `px-statistics` ({ epsilon }).
 */
@customElement('px-statistics-panel')
export class PxStatisticsPanel extends LitElement {
  static override styles = [
    theme,
    css`
      form {
        display: flex;
        gap: 0.75rem;
        align-items: end;
        margin-bottom: 0.75rem;
      }
      label {
        display: grid;
        gap: 0.2rem;
        font-size: 0.8rem;
        color: var(--px-muted);
      }
      input {
        font: inherit;
        padding: 0.25rem 0.4rem;
        width: 6rem;
      }
    `,
  ]

  @property({ attribute: false }) statistics: FederatedStatistics | null = null
  @property({ type: Boolean }) canControl = false
  @state() private epsilon = 1

  override render(): TemplateResult {
    const s = this.statistics
    return html`
      <form @submit=${this.#submit}>
        <label>Epsilon per tab
          <input type="number" step="any" min="0" .value=${String(this.epsilon)} data-testid="statistics-epsilon" ?disabled=${!this.canControl}
            @input=${(e: Event) => (this.epsilon = Number((e.target as HTMLInputElement).value))} />
        </label>
        <button type="submit" data-testid="collect-statistics" ?disabled=${!this.canControl}>Collect column statistics</button>
      </form>
      ${
        s
          ? html`<p class="muted">${s.reports} tabs answered the request of ${clock(s.requestedAt)}, each spending epsilon ${s.epsilon} (Laplace, local DP).</p>
              <table data-testid="statistics-table">
                <thead><tr><th>Column</th><th>Rows (noised)</th><th>Mean</th><th>Std</th></tr></thead>
                <tbody>${s.columns.map((c) => html`<tr><td>${c.name}</td><td>${c.count.toFixed(0)}</td><td>${decimal(c.mean, 2)}</td><td>${decimal(c.std, 2)}</td></tr>`)}</tbody>
              </table>`
          : html`<p class="muted">No statistics collected yet. Only noised counts and sums leave the tabs.</p>`
      }
      ${nothing}
    `
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault()
    this.dispatchEvent(
      new CustomEvent('px-statistics', { detail: { epsilon: this.epsilon }, bubbles: true, composed: true }),
    )
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-statistics-panel': PxStatisticsPanel
  }
}
