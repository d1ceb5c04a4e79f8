import { css, html, LitElement, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { RoundRecord } from '../../shared/protocol'
import './px-series-chart'

export type ChartSeries = {
  label: string
  color: string
  value: (record: RoundRecord) => number | null
  dashed?: boolean
}

/** A line chart of per-round values of the global model: the rounds as labels, one series per metric. */
@customElement('px-metrics-chart')
export class PxMetricsChart extends LitElement {
  static override styles = css`
    :host {
      display: block;
      height: 260px;
    }
    px-series-chart {
      height: 100%;
    }
  `

  @property({ attribute: false }) history: readonly RoundRecord[] = []
  @property({ attribute: false }) series: readonly ChartSeries[] = []
  @property({ type: Boolean }) unitInterval = false

  override render(): TemplateResult {
    return html`<px-series-chart
      kind="line"
      caption="chart of global model metrics per round"
      xTitle="round"
      .yRange=${this.unitInterval ? ([0, 1] as const) : null}
      .labels=${this.history.map((r) => String(r.round))}
      .series=${this.series.map((s) => ({
        label: s.label,
        color: s.color,
        dashed: s.dashed ?? false,
        values: this.history.map((r) => s.value(r)),
      }))}
    ></px-series-chart>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-metrics-chart': PxMetricsChart
  }
}
