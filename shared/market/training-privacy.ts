import { computeEpsilon } from '../privacy/accountant'
import { dpSgdRound } from '../privacy/dp-sgd'
import type { DpSummary } from './types'

/**
 * A lower bound on a listing's rows from its published DP count: the count less 14 of its Laplace scales (the true
 * count is lower with probability e^-14 / 2, under 1e-6), at least 1. Listings without a noise scale (made before
 * intervals) fall back to half the count.
 */
export function rowsLowerBound(summary: DpSummary): number {
  const count = summary.rowCount
  const low = count ? count.value - 14 * count.scale : summary.rows / 2
  return Math.max(1, Math.floor(low))
}

/** What a bought training run is: its rounds and each round's local epochs, batch size and delta. */
export interface BoughtRun {
  readonly rounds: number
  readonly epochs: number
  readonly batchSize: number
  readonly delta: number
}

/** Example-level epsilon of `run` with DP-SGD at `noiseMultiplier` over `rows` rows (as the tab's ledger counts it). */
export function runEpsilon(run: BoughtRun, rows: number, noiseMultiplier: number): number {
  const { sampleRate, steps } = dpSgdRound(rows, run.batchSize, run.epochs)
  return computeEpsilon({ sampleRate, noiseMultiplier, steps: steps * run.rounds, delta: run.delta }).epsilon
}

/**
 * The DP-SGD noise multiplier (Abadi et al. 2016) that keeps a bought run within `epsilon` on `rows` rows: the
 * smallest found by bisection (40 halvings) whose epsilon is at most the target. Calibrated at a lower bound on the
 * rows (`rowsLowerBound`): more rows lower the sampling rate, and with it the epsilon of the same epochs.
 */
export function runNoiseMultiplier(run: BoughtRun, rows: number, epsilon: number): number {
  let high = 1
  while (runEpsilon(run, rows, high) > epsilon) {
    high *= 2
    if (high > 1e4) throw new RangeError(`epsilon ${epsilon} is out of reach in ${run.rounds} rounds`)
  }
  let low = 0
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2
    if (runEpsilon(run, rows, mid) > epsilon) low = mid
    else high = mid
  }
  return high
}
