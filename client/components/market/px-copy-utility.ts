import { html, LitElement, type nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { CopyUtility } from '../../../shared/market/types'
import { decimal, percent } from '../format'
import { theme } from '../theme'

/**
 * Both kinds of copy side by side on the same queries, as the provider's tab measured them when listing: the mean
 * total-variation distance of the 1- and 2-way marginals (0: the copy's marginals match the data's) and the
 * accuracy on held-out rows of a logistic model trained on the copy, against the majority class.
 */
@customElement('px-copy-utility')
export class PxCopyUtility extends LitElement {
  static override styles = [theme]

  @property({ attribute: false }) utility: CopyUtility | undefined

  override render(): TemplateResult | typeof nothing {
    const u = this.utility
    if (!u) return html`<p class="muted">This listing predates utility figures.</p>`
    const row = (label: string, kind: keyof CopyUtility['kinds']) =>
      html`<tr data-testid=${`utility-${kind}`}>
        <td>${label}</td>
        <td>${decimal(u.kinds[kind].marginalError, 3)}</td>
        <td>${percent(u.kinds[kind].accuracy)}</td>
      </tr>`
    return html`
      <table>
        <thead><tr><th>Copy</th><th>Marginal error (mean TV, 1- and 2-way)</th><th>Held-out accuracy</th></tr></thead>
        <tbody>
          ${row('Per-row (local DP)', 'per-row')}
          ${row('Synthetic (MST marginals)', 'synthetic')}
        </tbody>
      </table>
      <p class="muted">
        At ε = ${u.epsilon}; accuracy of a logistic model trained on each copy, on about ${u.heldOut} held-out rows of the
        provider's data (majority class ${percent(u.majority)}). Measured in the provider's browser against its own
        rows: the copies are differentially private, these few figures are not noised.
      </p>
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-copy-utility': PxCopyUtility
  }
}
