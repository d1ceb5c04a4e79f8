import { css, html, LitElement, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { ClientView } from '../../shared/protocol'
import { ago, decimal, percent } from './format'
import { theme } from './theme'

/**
 * The connected tabs: id, backend, examples, state, local training progress and last update. A page without the
 * control token gets none of these (`clients` null: they say who was sampled and what each tab reported), and says so.
 */
@customElement('px-clients-table')
export class PxClientsTable extends LitElement {
  static override styles = [
    theme,
    css`
      .status-training {
        color: var(--px-accent);
      }
      .status-submitted {
        color: var(--px-good);
      }
      .status-dropped {
        color: var(--px-bad);
      }
      progress {
        width: 8rem;
      }
    `,
  ]

  /** Null: the page has no control token, so the coordinator sent no per-tab details. */
  @property({ attribute: false }) clients: readonly ClientView[] | null = []
  /** Per tab, the latest round's verdict on its update (the robust rule's: accepted, clipped, capped, left out). */
  @property({ attribute: false }) verdicts: Readonly<Record<string, string>> = {}
  /** The coordinator's clock minus this browser's, so ages use the time the coordinator stamped. */
  @property({ type: Number }) clockOffset = 0
  #ticker: ReturnType<typeof setInterval> | null = null

  override connectedCallback(): void {
    super.connectedCallback()
    // Only this table re-renders each second, so "last update" ages without anything being pushed.
    this.#ticker = setInterval(() => this.requestUpdate(), 1000)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    if (this.#ticker) clearInterval(this.#ticker)
  }

  override render(): TemplateResult {
    const now = Date.now() + this.clockOffset
    if (this.clients === null)
      return html`<p class="muted" data-testid="clients-hidden">
        Sign in with the control token (the coordinator URL printed at start) to see per-tab details. Without it this
        page shows only per-round aggregates (participants, summed examples, global metrics): which tab was sampled,
        its counts, metrics and verdicts are not sent to it.
      </p>`
    if (this.clients.length === 0)
      return html`<p class="muted">No tabs yet: open the client page in a few tabs.</p>`
    return html`
      <table>
        <thead>
          <tr><th>Tab</th><th>Backend</th><th>Examples</th><th>State</th><th>Progress</th><th>Last loss / acc.</th><th>ε (rows)</th><th>Key</th><th>Last verdict</th><th>Last update</th></tr>
        </thead>
        <tbody>
          ${this.clients.map(
            (c) => html`<tr data-testid="client-row">
              <td>${c.id}</td>
              <td>${c.backend}</td>
              <td>${c.examples || '–'}</td>
              <td class="status-${c.status}">${c.status}</td>
              <td><progress max="1" .value=${c.progress}></progress></td>
              <td>${decimal(c.lastLoss)} / ${percent(c.lastAccuracy)}</td>
              <td data-testid="client-example-epsilon">${c.exampleEpsilon === null ? '–' : c.exampleEpsilon.toFixed(3)}</td>
              <td data-testid="client-key">${c.holdsKey ? 'held' : '–'}</td>
              <td data-testid="client-verdict">${this.verdicts[c.id] ?? '–'}</td>
              <td>${ago(c.lastUpdate, now)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-clients-table': PxClientsTable
  }
}
