import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as echarts from 'echarts'

export interface ChartSeries {
  readonly name: string
  readonly values: readonly (number | null)[]
  readonly dashed?: boolean
  /** A shaded band around the line (e.g. mean ± one standard deviation over repeated draws), low and high per label. */
  readonly band?: { readonly low: readonly number[]; readonly high: readonly number[] }
  /** Read on a second y axis on the right (another unit: tokens beside counts). */
  readonly axis?: 'right'
  /** Drawn as this kind instead of the chart's. */
  readonly kind?: 'line' | 'bar'
}

export interface ChartSpec {
  readonly title: string
  readonly kind: 'line' | 'bar'
  readonly labels: readonly string[]
  readonly series: readonly ChartSeries[]
  readonly xName?: string
  readonly yName?: string
  /** Name of the right y axis, for series with `axis: 'right'`. */
  readonly y2Name?: string
  readonly yRange?: readonly [number, number]
  /** A second, smaller line under the title (what the title would not fit). */
  readonly subtitle?: string
}

/** The series palette, so a band takes its line's colour. */
const COLORS = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4']

/**
 * A chart as an SVG document, rendered by Apache ECharts on the server (no browser, no canvas): the same kinds of
 * charts the pages draw live with Chart.js. The title wraps to the chart's width (it fits with DejaVu and the usual
 * sans fonts), the legend sits at the bottom in one scrolling row (it never runs into the plot or the title), a
 * series may carry a shaded band and a second y axis.
 */
export function chartSvg(spec: ChartSpec, width = 720, height = 440): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  const twoAxes = spec.series.some((s) => s.axis === 'right')
  const titleLines = Math.ceil((spec.title.length * 8) / (width - 40)) + (spec.subtitle ? 1 : 0)
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    color: COLORS,
    title: {
      text: spec.title,
      subtext: spec.subtitle ?? '',
      left: 'center',
      textStyle: { fontSize: 14, width: width - 40, overflow: 'break' },
      subtextStyle: { width: width - 40, overflow: 'break' },
    },
    // One legend entry per line under the plot: server-side rendering only estimates text widths, so entries side
    // by side can run into each other with wider fonts (DejaVu).
    legend: { orient: 'vertical', left: 64, bottom: 4, itemGap: 6, data: spec.series.map((s) => s.name) },
    grid: {
      top: 30 + 20 * titleLines,
      left: 64,
      right: twoAxes ? 64 : 30,
      bottom: 56 + 20 * spec.series.length,
    },
    xAxis: {
      type: 'category',
      data: [...spec.labels],
      name: spec.xName ?? '',
      nameLocation: 'middle',
      nameGap: 28,
    },
    yAxis: [
      {
        type: 'value',
        name: spec.yName ?? '',
        ...(spec.yRange ? { min: spec.yRange[0], max: spec.yRange[1] } : {}),
      },
      ...(twoAxes ? [{ type: 'value', name: spec.y2Name ?? '', splitLine: { show: false } }] : []),
    ],
    series: spec.series.flatMap((s, i) => {
      const kind = s.kind ?? spec.kind
      const color = COLORS[i % COLORS.length]!
      const line = {
        name: s.name,
        type: kind,
        color,
        yAxisIndex: s.axis === 'right' ? 1 : 0,
        data: [...s.values],
        ...(kind === 'line'
          ? { lineStyle: { type: s.dashed ? 'dashed' : 'solid' }, connectNulls: true }
          : {}),
      }
      if (!s.band) return [line]
      // The band: an invisible base at `low`, then `high - low` stacked on it and shaded in the line's colour.
      const stack = `band-${i}`
      const common = { type: 'line', stack, symbol: 'none', silent: true, lineStyle: { opacity: 0 } }
      return [
        { ...common, name: `${s.name} (band low)`, data: [...s.band.low] },
        {
          ...common,
          name: `${s.name} (band)`,
          data: s.band.high.map((h, k) => h - s.band!.low[k]!),
          areaStyle: { color, opacity: 0.2 },
        },
        line,
      ]
    }),
  })
  const svg = chart.renderToSVGString()
  chart.dispose()
  return svg
}

/** Writes each chart as `<name>.svg` under `dir`; returns the paths. */
export function writeCharts(dir: string, charts: Record<string, ChartSpec>): string[] {
  mkdirSync(dir, { recursive: true })
  return Object.entries(charts).map(([name, spec]) => {
    const path = join(dir, `${name}.svg`)
    writeFileSync(path, chartSvg(spec))
    return path
  })
}
