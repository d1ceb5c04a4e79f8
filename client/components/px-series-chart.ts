import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'
import { css, html, LitElement, type PropertyValues, type TemplateResult } from 'lit'
import { customElement, property, query } from 'lit/decorators.js'

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
)

export interface Series {
  readonly label: string
  readonly color: string
  readonly values: readonly (number | null)[]
  /** A reference line (a baseline, a budget): dashed, without points. */
  readonly dashed?: boolean
}

const PALETTE = ['#2563eb', '#c0392b', '#16a085', '#8e44ad', '#d35400', '#2c3e50']
export const seriesColor = (i: number): string => PALETTE[i % PALETTE.length]!

/** A bar or line chart of named series over shared labels (Chart.js), e.g. market volume per day. */
@customElement('px-series-chart')
export class PxSeriesChart extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
      height: 240px;
    }
  `

  @property() kind: 'bar' | 'line' = 'bar'
  @property() caption = ''
  @property() xTitle = ''
  /** Fixed y bounds (e.g. [0, 1] for rates); null lets the data decide. */
  @property({ attribute: false }) yRange: readonly [number, number] | null = null
  @property({ attribute: false }) labels: readonly string[] = []
  @property({ attribute: false }) series: readonly Series[] = []
  @query('canvas') private canvas!: HTMLCanvasElement
  #chart: Chart | null = null

  override render(): TemplateResult {
    return html`<canvas role="img" aria-label=${this.caption}></canvas>`
  }

  protected override firstUpdated(): void {
    this.#chart = new Chart(this.canvas, {
      type: this.kind,
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        spanGaps: true,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { title: { display: this.xTitle !== '', text: this.xTitle } },
          y: this.yRange ? { min: this.yRange[0], max: this.yRange[1] } : { beginAtZero: false },
        },
      },
    })
    this.#refresh()
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('labels') || changed.has('series')) this.#refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.#chart?.destroy()
    this.#chart = null
  }

  #refresh(): void {
    const chart = this.#chart
    if (!chart) return
    chart.data.labels = [...this.labels]
    chart.data.datasets = this.series.map((s) => ({
      label: s.label,
      data: [...s.values],
      borderColor: s.color,
      backgroundColor: s.color,
      borderDash: s.dashed ? [6, 4] : [],
      pointRadius: s.dashed ? 0 : 3,
    }))
    chart.update()
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-series-chart': PxSeriesChart
  }
}
