import { computeEpsilon } from './accountant'
import { addStep, ledgerEpsilon, type PrivacyLedger } from './ledger'

/**
 * Client-level DP-FedAvg's epsilon depends on who the observer is, because subsampling amplification (Mironov,
 * Talwar and Zhang 2019; Balle, Barthe and Gaboardi 2018) holds only against someone who does not learn which
 * participants were sampled:
 *
 * - `hidden`: an observer who sees only the released models: each started DP round is one step of the
 *   Poisson-subsampled Gaussian mechanism at rate q (the task's accountant, `ledger.ts`).
 * - `visible`: an observer who also sees participation. Privx records each round's participants on the public chain
 *   (the training contract pays by them), so this is anyone at all. A round a participant sat out did not use its
 *   data and costs it nothing; a round it took part in is one Gaussian release at q = 1 with the aggregate's noise
 *   multiplier z (the released sum carries noise of deviation at least z·S, its sensitivity S). A participant's
 *   epsilon is then that of its own participations, unamplified.
 *
 * Example (tests/shared/privacy/participation.test.ts): q = 0.01, z = 1, 1000 rounds, delta 1e-5: hidden 2.10;
 * visible for a participant sampled 10 times (the expected count) 19.05; sampled in all 1000 rounds, 654.9.
 */
export interface ObserverEpsilon {
  /** Against an observer who sees released models but not participation (amplified by q). */
  readonly hidden: number
  /** Against the public, who sees participation on the chain: the participant's own rounds at q = 1. */
  readonly visible: number
}

/** A participant's public ledger after one more round it took part in, noised with multiplier `noiseMultiplier`. */
export function countParticipation(ledger: PrivacyLedger, noiseMultiplier: number): PrivacyLedger {
  return addStep(ledger, 1, noiseMultiplier)
}

/** Epsilon at `delta` against the public from a participant's participation ledger; 0 before any round. */
export function participationEpsilon(ledger: PrivacyLedger, delta: number): number {
  return ledgerEpsilon(ledger, delta)
}

/**
 * Both figures for a run at fixed settings: `rounds` DP rounds at sampling rate `sampleRate` and noise multiplier
 * `noiseMultiplier`, for a participant that took part in `participations` of them (0 ≤ participations ≤ rounds).
 */
export function observerEpsilon(run: {
  readonly sampleRate: number
  readonly noiseMultiplier: number
  readonly rounds: number
  readonly participations: number
  readonly delta: number
}): ObserverEpsilon {
  const { sampleRate, noiseMultiplier, rounds, participations, delta } = run
  if (!Number.isInteger(participations) || participations < 0 || participations > rounds) {
    throw new RangeError(`participations must be an integer in [0, ${rounds}], got ${participations}`)
  }
  const at = (q: number, steps: number) =>
    steps === 0 ? 0 : computeEpsilon({ sampleRate: q, noiseMultiplier, steps, delta }).epsilon
  return { hidden: at(sampleRate, rounds), visible: at(1, participations) }
}
