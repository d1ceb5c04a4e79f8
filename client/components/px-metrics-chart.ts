import {
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'
import { css, html, LitElement, type PropertyValues, type TemplateResult } from 'lit'
import { customElement, property, query } from 'lit/decorators.js'
import type { RoundRecord } from '../../shared/protocol'

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip)

export type ChartSeries = {
  label: string
  color: string
  value: (record: RoundRecord) => number | null
  dashed?: boolean
}

/** A line chart of per-round values of the global model (Chart.js). */
@customElement('px-metrics-chart')
export class PxMetricsChart extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
      height: 260px;
    }
  `

  @property({ attribute: false }) history: readonly RoundRecord[] = []
  @property({ attribute: false }) series: readonly ChartSeries[] = []
  @property({ type: Boolean }) unitInterval = false
  @query('canvas') private canvas!: HTMLCanvasElement
  #chart: Chart<'line', (number | null)[], number> | null = null

  override render(): TemplateResult {
    return html`<canvas role="img" aria-label="chart of global model metrics per round"></canvas>`
  }

  protected override firstUpdated(): void {
    this.#chart = new Chart(this.canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { title: { display: true, text: 'round' } },
          y: this.unitInterval ? { min: 0, max: 1 } : { beginAtZero: false },
        },
      },
    })
    this.#refresh()
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('history') || changed.has('series')) this.#refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#chart?.destroy()
    this.#chart = null
  }

  #refresh(): void {
    const chart = this.#chart
    if (!chart) return
    chart.data.labels = this.history.map((r) => r.round)
    chart.data.datasets = this.series.map(
      (s): ChartDataset<'line', (number | null)[]> => ({
        label: s.label,
        data: this.history.map((r) => s.value(r)),
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.dashed ? [6, 4] : [],
        pointRadius: s.dashed ? 0 : 3,
        spanGaps: true,
      }),
    )
    chart.update()
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-metrics-chart': PxMetricsChart
  }
}
