import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as echarts from 'echarts'

export interface ChartSeries {
  readonly name: string
  readonly values: readonly (number | null)[]
  readonly dashed?: boolean
}

export interface ChartSpec {
  readonly title: string
  readonly kind: 'line' | 'bar'
  readonly labels: readonly string[]
  readonly series: readonly ChartSeries[]
  readonly xName?: string
  readonly yName?: string
  readonly yRange?: readonly [number, number]
}

/**
 * A chart as an SVG document, rendered by Apache ECharts on the server (no browser, no canvas): the same kinds of
 * charts the pages draw live with Chart.js.
 */
export function chartSvg(spec: ChartSpec, width = 720, height = 400): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: spec.title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { top: 34 },
    grid: { top: 76, left: 60, right: 30, bottom: 50 },
    xAxis: {
      type: 'category',
      data: [...spec.labels],
      name: spec.xName ?? '',
      nameLocation: 'middle',
      nameGap: 30,
    },
    yAxis: {
      type: 'value',
      name: spec.yName ?? '',
      ...(spec.yRange ? { min: spec.yRange[0], max: spec.yRange[1] } : {}),
    },
    series: spec.series.map((s) => ({
      name: s.name,
      type: spec.kind,
      data: [...s.values],
      ...(spec.kind === 'line'
        ? { lineStyle: { type: s.dashed ? 'dashed' : 'solid' }, connectNulls: true }
        : {}),
    })),
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
