import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { DpSummary } from '../../../shared/market/types'
import { theme } from '../theme'
import { countsText, meanText, noiseText, stdText, withInterval } from './dp-format'

/**
 * A listing's DP summary as a buyer should read it: every figure with its noise scale and its interval (95%, from
 * the mechanism, not the data), a variance below zero said as such. Listings made before intervals show their
 * plain figures, marked so.
 */
@customElement('px-dp-summary')
export class PxDpSummary extends LitElement {
  static override styles = [
    theme,
    css`
      td {
        white-space: normal;
      }
    `,
  ]

  @property({ attribute: false }) summary!: DpSummary

  override render(): TemplateResult {
    const s = this.summary
    const confidence = Math.round((s.confidence ?? 0.95) * 100)
    return html`
      <p>
        Rows (DP):
        <span data-testid="dp-rows">${s.rowCount ? `${withInterval(s.rowCount, 0)} (count b = ${s.rowCount.scale.toPrecision(3)})` : `${s.rows} (no interval: listed before intervals)`}</span>
      </p>
      <table data-testid="dp-summary">
        <thead><tr><th>Column</th><th>Mean [${confidence}% interval]</th><th>Std [${confidence}% interval]</th><th>Counts [${confidence}% interval]</th><th>Noise (Laplace scale b)</th></tr></thead>
        <tbody>
          ${s.columns.map(
            (c) => html`<tr data-testid="dp-column">
              <td>${c.name}</td>
              <td data-testid="dp-mean">${c.kind === 'numeric' ? meanText(c) : '–'}</td>
              <td data-testid="dp-std">${c.kind === 'numeric' ? stdText(c) : '–'}</td>
              <td data-testid="dp-counts">${countsText(c)}</td>
              <td data-testid="dp-noise">${noiseText(c)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${
        s.confidence === undefined
          ? nothing
          : html`<p class="muted">Each interval holds the true figure of the provider's rows (clamped to the declared
              ranges) with probability ${confidence}% or more. It comes from the mechanism (each release's Laplace scale:
              its sensitivity over its share of ε = ${s.epsilon}), not from the data, so showing it costs no privacy.
              A mean is a noisy sum over the noisy count: its interval bounds both noises together.</p>`
      }
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-dp-summary': PxDpSummary
  }
}
