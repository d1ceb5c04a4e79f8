import { normalCdf } from '../../shared/privacy/special'

/**
 * Pearson's chi-square goodness of fit of integer draws against an exact pmf. Bins: every integer in [low, high],
 * the widest range around the mode whose integers each expect at least 5 draws, with the tails folded into the
 * end bins (y <= low, y >= high). The p-value is P(X >= statistic) for X ~ chi-square(bins - 1), by the
 * Wilson-Hilferty cube-root normal approximation (about 1e-3 from 10 degrees of freedom on).
 */
export function chiSquare(
  counts: ReadonlyMap<number, number>,
  draws: number,
  pmf: (y: number) => number,
): { statistic: number; df: number; p: number } {
  let mode = 0
  while (pmf(mode + 1) > pmf(mode)) mode++
  while (pmf(mode - 1) > pmf(mode)) mode--
  let low = mode
  while (pmf(low - 1) * draws >= 5) low--
  let high = mode
  while (pmf(high + 1) * draws >= 5) high++
  const expected = new Map<number, number>()
  for (let y = low; y <= high; y++) expected.set(y, pmf(y))
  // Fold the tails into the end bins.
  let below = 0
  for (let y = low - 1; y > low - 100_000; y--) {
    const p = pmf(y)
    below += p
    if (p < 1e-300) break
  }
  expected.set(low, expected.get(low)! + below)
  const inner = [...expected.values()].reduce((s, p) => s + p, 0)
  expected.set(high, expected.get(high)! + Math.max(0, 1 - inner))
  const observed = new Map<number, number>()
  for (const [y, n] of counts) {
    const bin = Math.min(high, Math.max(low, y))
    observed.set(bin, (observed.get(bin) ?? 0) + n)
  }
  let statistic = 0
  for (const [y, p] of expected) statistic += ((observed.get(y) ?? 0) - p * draws) ** 2 / (p * draws)
  const df = expected.size - 1
  const z = ((statistic / df) ** (1 / 3) - (1 - 2 / (9 * df))) / Math.sqrt(2 / (9 * df))
  return { statistic, df, p: 1 - normalCdf(z) }
}

/** Counts per value of `n` draws. */
export function tally(n: number, draw: () => number): Map<number, number> {
  const counts = new Map<number, number>()
  for (let i = 0; i < n; i++) {
    const y = draw()
    counts.set(y, (counts.get(y) ?? 0) + 1)
  }
  return counts
}
