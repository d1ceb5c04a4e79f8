import { describe, expect, it } from 'vitest'
import { rowsLowerBound, runEpsilon, runNoiseMultiplier } from '../../../shared/market/training-privacy'
import type { DpSummary } from '../../../shared/market/types'

const run = { rounds: 3, epochs: 2, batchSize: 32, delta: 1e-5 }

describe('a bought training run under DP-SGD', () => {
  it('bounds the rows from below by the published DP count, 14 Laplace scales down, at least 1', () => {
    const summary = (value: number, scale: number): DpSummary => ({
      epsilon: 1,
      rows: Math.round(value),
      rowCount: { value, scale, low: value - 3 * scale, high: value + 3 * scale },
      columns: [],
    })
    expect(rowsLowerBound(summary(1000, 10))).toBe(860)
    expect(rowsLowerBound(summary(20, 10))).toBe(1)
    expect(rowsLowerBound({ epsilon: 1, rows: 300, columns: [] })).toBe(150)
  })

  it('calibrates the noise to the charged epsilon at the bound, and more rows spend less', () => {
    for (const epsilon of [0.5, 2, 8]) {
      const sigma = runNoiseMultiplier(run, 500, epsilon)
      expect(runEpsilon(run, 500, sigma)).toBeLessThanOrEqual(epsilon)
      // Tight: 1% less noise would overspend.
      expect(runEpsilon(run, 500, sigma * 0.99)).toBeGreaterThan(epsilon)
      for (const rows of [501, 800, 5000]) expect(runEpsilon(run, rows, sigma)).toBeLessThanOrEqual(epsilon)
    }
  })
})
