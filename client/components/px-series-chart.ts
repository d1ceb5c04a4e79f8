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
import { customElement, property, query, state } from 'lit/decorators.js'

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
  /** The y axis it is read on: 'right' for a second unit (tokens beside counts). Default 'left'. */
  readonly axis?: 'left' | 'right'
  /** Drawn as bars or a line; the chart's `kind` by default. */
  readonly kind?: 'bar' | 'line'
}

const PALETTE = ['#2563eb', '#c0392b', '#16a085', '#8e44ad', '#d35400', '#2c3e50']
export const seriesColor = (i: number): string => PALETTE[i % PALETTE.length]!

/**
 * A bar or line chart of named series over shared labels (Chart.js), e.g. market volume per day. Series in another
 * unit go on a second y axis on the right (`axis: 'right'`), each axis titled. The legend is HTML above the canvas:
 * it wraps instead of overlapping whatever the font, and each entry is a toggle button that hides or shows its series.
 */
@customElement('px-series-chart')
export class PxSeriesChart extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      height: 240px;
      font-size: 0.8rem;
    }
    ul {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem 0.9rem;
      list-style: none;
      margin: 0 0 0.3rem;
      padding: 0;
    }
    button {
      display: inline-flex;
      align-items: center;
      gap: 0.35rem;
      font: inherit;
      color: #18202e;
      background: none;
      border: 0;
      padding: 0.1rem 0;
      cursor: pointer;
    }
    button[aria-pressed='false'] {
      color: #5b6778;
      text-decoration: line-through;
    }
    .swatch {
      flex: none;
      width: 1.4rem;
      height: 0;
      border-top: 3px solid;
    }
    .swatch.bar {
      width: 0.8rem;
      height: 0.8rem;
      border: 0;
    }
    .swatch.dashed {
      border-top-style: dashed;
    }
    .plot {
      position: relative;
      flex: 1;
      min-height: 0;
    }
  `

  @property() kind: 'bar' | 'line' = 'bar'
  @property() caption = ''
  @property() xTitle = ''
  /** Title of the left y axis (its unit); the right one's is `y2Title`. */
  @property() yTitle = ''
  @property() y2Title = ''
  /** Fixed y bounds (e.g. [0, 1] for rates); null lets the data decide. */
  @property({ attribute: false }) yRange: readonly [number, number] | null = null
  @property({ attribute: false }) labels: readonly string[] = []
  @property({ attribute: false }) series: readonly Series[] = []
  @query('canvas') private canvas!: HTMLCanvasElement
  #chart: Chart | null = null
  /** Labels of the series the person hid from the legend. */
  @state() private off: ReadonlySet<string> = new Set()

  override render(): TemplateResult {
    const kindOf = (s: Series) => s.kind ?? this.kind
    return html`<ul aria-label=${`legend of the ${this.caption}`}>
        ${this.series.map(
          (
            s,
          ) => html`<li><button type="button" aria-pressed=${!this.off.has(s.label)} @click=${() => this.#toggle(s.label)}>
            <span class="swatch ${kindOf(s)} ${s.dashed ? 'dashed' : ''}" style=${`border-color:${s.color};background:${kindOf(s) === 'bar' ? s.color : 'none'}`}></span>${s.label}${this.#twoAxes() ? ` (${s.axis === 'right' ? 'right' : 'left'} axis)` : ''}
          </button></li>`,
        )}
      </ul>
      <div class="plot"><canvas role="img" aria-label=${this.caption}></canvas></div>`
  }

  #twoAxes(): boolean {
    return this.series.some((s) => s.axis === 'right')
  }

  #toggle(label: string): void {
    const off = new Set(this.off)
    if (!off.delete(label)) off.add(label)
    this.off = off
    this.#refresh()
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
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: this.xTitle !== '', text: this.xTitle } },
          y: {
            // A fixed range gets ten even steps, so no two ticks round to the same label.
            ...(this.yRange
              ? {
                  min: this.yRange[0],
                  max: this.yRange[1],
                  ticks: { count: 11 },
                }
              : { beginAtZero: false }),
            title: { display: this.yTitle !== '', text: this.yTitle },
          },
          y2: {
            display: 'auto',
            position: 'right',
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            title: { display: this.y2Title !== '', text: this.y2Title },
          },
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
      type: s.kind ?? this.kind,
      yAxisID: s.axis === 'right' ? 'y2' : 'y',
      hidden: this.off.has(s.label),
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
