import { composeRdp, DEFAULT_ORDERS, type GaussianSteps, rdpToEpsilon } from './accountant'

/**
 * The DP rounds a task has run, grouped by their (sampleRate, noiseMultiplier): settings may change between rounds,
 * and RDP composes across the groups. Pure data, so the round state machine can hold it.
 */
export type PrivacyLedger = readonly GaussianSteps[]

/** The ledger with one more step at these settings. */
export function addStep(ledger: PrivacyLedger, sampleRate: number, noiseMultiplier: number): PrivacyLedger {
  const last = ledger.at(-1)
  if (last && last.sampleRate === sampleRate && last.noiseMultiplier === noiseMultiplier) {
    return [...ledger.slice(0, -1), { ...last, steps: last.steps + 1 }]
  }
  return [...ledger, { sampleRate, noiseMultiplier, steps: 1 }]
}

export function ledgerSteps(ledger: PrivacyLedger): number {
  return ledger.reduce((n, m) => n + m.steps, 0)
}

/** (epsilon, delta) of everything in the ledger (RDP composition, Balle et al. 2020 conversion); 0 when empty. */
export function ledgerEpsilon(ledger: PrivacyLedger, delta: number): number {
  if (ledgerSteps(ledger) === 0) return 0
  return rdpToEpsilon(composeRdp(ledger, DEFAULT_ORDERS), DEFAULT_ORDERS, delta).epsilon
}
