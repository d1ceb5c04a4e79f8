import { css, html, LitElement, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { expectedCopyShares, perRowCopyNoise } from '../../../shared/market/copy-noise'
import type { Listing } from '../../../shared/market/types'
import { percent } from '../format'
import { theme } from '../theme'
import { digitsFor } from './dp-format'

/**
 * What a per-row anonymized copy of a listing will be like, before buying: per numeric column the noise every value
 * gets (in the column's units), per categorical column the share of values randomized response replaces, and
 * the category shares to expect in the copy (from the summary's DP counts). All from the mechanism and the
 * listing, so it costs no privacy.
 */
@customElement('px-copy-noise')
export class PxCopyNoise extends LitElement {
  static override styles = [
    theme,
    css`
      td {
        white-space: normal;
      }
    `,
  ]

  @property({ attribute: false }) listing!: Listing

  override render(): TemplateResult {
    const l = this.listing
    const noise = perRowCopyNoise(l.schema, l.copyEpsilon)
    const numeric = noise.columns.flatMap((c) => (c.kind === 'numeric' ? [c] : []))
    const categorical = noise.columns.flatMap((c) => (c.kind === 'categorical' ? [c] : []))
    const fmt = (v: number, scale: number) => v.toFixed(digitsFor(scale))
    return html`
      <p>
        A per-row copy at ε = ${l.copyEpsilon} per row splits it over ${noise.columns.length} columns
        (ε = ${noise.perColumnEpsilon.toPrecision(3)} each): every value is noised on its own.
      </p>
      <table data-testid="copy-noise-numeric">
        <thead><tr><th>Column</th><th>Declared range</th><th>Laplace scale b</th><th>Mean absolute error</th><th>Noise std</th><th>95% of values within</th></tr></thead>
        <tbody>
          ${numeric.map(
            (c) => html`<tr data-testid="copy-noise-row">
              <td>${c.column}</td>
              <td>[${c.min}, ${c.max}]</td>
              <td>${fmt(c.scale, c.scale)}</td>
              <td data-testid="copy-noise-mae">± ${fmt(c.meanAbsError, c.scale)}</td>
              <td>${fmt(c.noiseStd, c.scale)} (${(c.noiseStd / (c.max - c.min)).toFixed(1)}× the range)</td>
              <td>± ${fmt(c.error95, c.scale)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <table data-testid="copy-noise-categorical">
        <thead><tr><th>Column</th><th>Values replaced (randomized response)</th><th>Shares in the data (DP) → expected in the copy</th></tr></thead>
        <tbody>
          ${categorical.map((c) => {
            const histogram = l.summary.columns.find((s) => s.name === c.column)?.histogram
            const counts = c.categories.map((v) =>
              Math.max(0, histogram?.find((h) => h.value === v)?.count ?? 0),
            )
            const total = counts.reduce((s, n) => s + n, 0)
            const shares = total > 0 ? counts.map((n) => n / total) : null
            const expected = shares ? expectedCopyShares(shares, c.keep) : null
            return html`<tr data-testid="copy-noise-row">
              <td>${c.column}</td>
              <td data-testid="copy-flip-rate">${percent(c.flipRate)}</td>
              <td>${
                shares && expected
                  ? c.categories
                      .map((v, j) => `${v}: ${percent(shares[j])} → ${percent(expected[j])}`)
                      .join(', ')
                  : '–'
              }</td>
            </tr>`
          })}
        </tbody>
      </table>
      <p class="muted">
        A column mean over n rows of the copy is off by about the noise std / √n; category shares in the copy move
        towards 1 / k, and can be corrected: share = (share in the copy · (k − 1) − (1 − keep)) / (k · keep − 1).
      </p>
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-copy-noise': PxCopyNoise
  }
}
