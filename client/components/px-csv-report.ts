import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { type CsvReport, DELIMITER_NAMES, ISSUE_TEXT } from '../data/csv/csv-report'
import { decimal, percent } from './format'
import { theme } from './theme'

/** What a CSV holds and what is wrong with it, with line numbers. Shown only in this tab. */
@customElement('px-csv-report')
export class PxCsvReport extends LitElement {
  static override styles = [
    theme,
    css`
      .fatal {
        color: var(--px-bad);
        font-weight: 600;
      }
      .warning {
        color: var(--px-warn);
      }
      .ok {
        color: var(--px-good);
      }
      h3 {
        font-size: 0.9rem;
        margin: 1rem 0 0.4rem;
      }
      .scroll {
        overflow-x: auto;
      }
      td.value {
        font-family: ui-monospace, monospace;
      }
    `,
  ]

  @property({ attribute: false }) report: CsvReport | null = null
  @property({ attribute: false }) classNames: readonly string[] = []

  override render(): TemplateResult {
    const r = this.report
    if (!r) return html``
    const delimiter = DELIMITER_NAMES[r.delimiter] ?? JSON.stringify(r.delimiter)
    return html`
      <p>
        <b>${r.fileName}</b> · ${(r.bytes / 1024).toFixed(1)} KB · ${delimiter}-separated · decimal ${r.decimal === '.' ? 'point' : 'comma'}
      </p>
      ${r.fatal ? html`<p class="fatal" data-testid="csv-fatal">Cannot use this file: ${r.fatal}</p>` : nothing}
      ${
        r.fatal
          ? nothing
          : html`<p class=${r.rows.dropped ? 'warning' : 'ok'} data-testid="csv-summary">
              ${r.rows.valid} of ${r.rows.total} rows are valid${r.rows.dropped ? `; ${r.rows.dropped} will be left out` : ''}.
              Classes: ${this.classNames.map((name, i) => `${name} ${r.classCounts[i] ?? 0}`).join(', ')}.
            </p>`
      }
      ${r.warnings.map((w) => html`<p class="warning">${w}</p>`)}
      ${r.issues.length ? this.#issues(r) : nothing}
      ${r.preview.length ? this.#preview(r) : nothing}
      ${!r.fatal && r.columns.length ? this.#columns(r) : nothing}
    `
  }

  #issues(r: CsvReport): TemplateResult {
    return html`<h3>Problems</h3>
      <div>
        <table data-testid="csv-issues">
          <thead><tr><th>Problem</th><th>Count</th><th>Line</th><th>Column</th><th>Value</th><th>Detail</th></tr></thead>
          <tbody>
            ${r.issues.flatMap((issue) =>
              issue.examples.map(
                (e, i) => html`<tr>
                  <td>${i === 0 ? ISSUE_TEXT[issue.kind] : ''}</td>
                  <td>${i === 0 ? issue.count : ''}</td>
                  <td>${e.line}</td>
                  <td>${e.column ?? '–'}</td>
                  <td class="value">${e.value}</td>
                  <td>${e.message}</td>
                </tr>`,
              ),
            )}
          </tbody>
        </table>
      </div>`
  }

  #preview(r: CsvReport): TemplateResult {
    return html`<h3>First rows (only in this tab)</h3>
      <div class="scroll" tabindex="0" role="region" aria-label="First rows of the file">
        <table>
          <thead><tr>${r.header.map((h) => html`<th>${h}</th>`)}</tr></thead>
          <tbody>${r.preview.map((row) => html`<tr>${row.map((v) => html`<td class="value">${v}</td>`)}</tr>`)}</tbody>
        </table>
      </div>`
  }

  #columns(r: CsvReport): TemplateResult {
    return html`<h3>Columns (valid rows)</h3>
      <table>
        <thead><tr><th>Column</th><th>Type</th><th>Summary</th><th>Missing</th></tr></thead>
        <tbody>
          ${r.columns.map((c) => {
            const summary =
              c.type === 'categorical'
                ? c.counts.map(([k, n]) => `${k} ${n}`).join(', ')
                : c.type === 'boolean'
                  ? `true ${percent(c.trueShare)}`
                  : `min ${decimal(c.min, 2)}, mean ${decimal(c.mean, 2)}, max ${decimal(c.max, 2)}`
            return html`<tr><td>${c.name}</td><td>${c.type}</td><td>${summary}</td><td>${c.missing}</td></tr>`
          })}
        </tbody>
      </table>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-csv-report': PxCsvReport
  }
}
