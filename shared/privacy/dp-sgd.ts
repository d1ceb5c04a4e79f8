import { addStep, type PrivacyLedger } from './ledger'
import { requirePositive } from './parameters'

/**
 * DP-SGD's accounting of one round of local training (Abadi et al. 2016, with Poisson-sampled batches as Opacus
 * does): each step samples every row with probability q = batchSize / rows, and a round runs
 * epochs * round(rows / batchSize) steps. Pure, so the tab and the coordinator compute the same numbers.
 */
export function dpSgdRound(
  rows: number,
  batchSize: number,
  epochs: number,
): { sampleRate: number; steps: number } {
  requirePositive(rows, 'rows')
  requirePositive(batchSize, 'batchSize')
  return {
    sampleRate: Math.min(1, batchSize / rows),
    steps: epochs * Math.max(1, Math.round(rows / batchSize)),
  }
}

/** The ledger after one more round of DP-SGD on `rows` rows. */
export function addDpSgdRound(
  ledger: PrivacyLedger,
  rows: number,
  batchSize: number,
  epochs: number,
  noiseMultiplier: number,
): PrivacyLedger {
  const { sampleRate, steps } = dpSgdRound(rows, batchSize, epochs)
  let next = ledger
  for (let i = 0; i < steps; i++) next = addStep(next, sampleRate, noiseMultiplier)
  return next
}
