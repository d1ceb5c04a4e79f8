import type { DpColumnSummary, DpEstimate } from '../../../shared/market/types'

/**
 * Text for released DP figures, shared by the pages that show a listing's summary. Pure (no DOM), so it is tested
 * under Node. Digits follow the column's scale: a figure is given to a tenth of its noise scale, at most 3 digits.
 */
export function digitsFor(scale: number): number {
  if (!(scale > 0)) return 2
  return Math.min(3, Math.max(0, Math.ceil(-Math.log10(scale / 10))))
}

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–')

/** "49.8 [44.1, 55.6]": the value and its interval. */
export function withInterval(e: DpEstimate, digits = digitsFor(e.scale)): string {
  return `${fixed(e.value, digits)} [${fixed(e.low, digits)}, ${fixed(e.high, digits)}]`
}

/**
 * The standard deviation as released: its value and interval (square roots of the variance's), or, where the
 * variance estimate fell below zero, that fact, never a made-up 0.
 */
export function stdText(c: DpColumnSummary): string {
  const v = c.variance
  if (!v) return c.std === undefined ? '–' : `${fixed(c.std, 2)} (no interval: listed before intervals)`
  const digits = digitsFor(Math.sqrt(v.scale))
  const interval = `[${fixed(Math.sqrt(v.low), digits)}, ${fixed(Math.sqrt(v.high), digits)}]`
  if (v.value < 0)
    return `variance estimate < 0 (${fixed(v.value, digits)}): below the noise; std in ${interval}`
  return `${fixed(c.std ?? Math.sqrt(v.value), digits)} ${interval}`
}

/** The mean as released, with its interval where the listing has one. */
export function meanText(c: DpColumnSummary): string {
  if (c.meanEstimate) return withInterval(c.meanEstimate)
  return c.mean === undefined ? '–' : `${fixed(c.mean, 2)} (no interval: listed before intervals)`
}

/** "no: 246 [198, 294], yes: 166 [118, 214]". */
export function countsText(c: DpColumnSummary): string {
  if (!c.histogram) return '–'
  return c.histogram
    .map((h) =>
      h.low === undefined || h.high === undefined
        ? `${h.value}: ${Math.round(h.count)}`
        : `${h.value}: ${Math.round(h.count)} [${Math.round(h.low)}, ${Math.round(h.high)}]`,
    )
    .join(', ')
}

/** The noise scale of a column's figures: Laplace b of the mean (numeric) or of every count (categorical). */
export function noiseText(c: DpColumnSummary): string {
  if (c.kind === 'numeric') {
    if (!c.meanEstimate || !c.variance) return '–'
    return `mean b ≈ ${c.meanEstimate.scale.toPrecision(2)}, variance b ≈ ${c.variance.scale.toPrecision(2)}`
  }
  return c.countScale === undefined ? '–' : `count b = ${c.countScale.toPrecision(3)}`
}
