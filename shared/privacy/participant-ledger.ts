import { addDpSgdRound } from './dp-sgd'
import { addStep, ledgerEpsilon, ledgerSteps, type PrivacyLedger } from './ledger'

/**
 * One participant's privacy accounting, written once for both ends: a tab keeps its own, the coordinator keeps one
 * per participant, and both get the same numbers. Pure data: each count returns a new ledger, nothing is mutated.
 *
 * - `updates`: client-level DP (DP-FedAvg, McMahan et al. 2018). Each update the participant sent is one Gaussian
 *   release with noise multiplier noiseStd / clipNorm and no subsampling: against the coordinator, which knows who
 *   took part, no amplification applies. (The released models' epsilon is the coordinator's round accountant.)
 * - `dpSgd`: example-level DP-SGD over the participant's rows (Abadi et al. 2016), Poisson-sampled batches.
 *
 * Both compose by RDP (Mironov 2017) and convert to (epsilon, delta) as in Balle et al. 2020 (`ledger.ts`).
 */
export interface ParticipantLedger {
  /** The updates sent under client-level DP, grouped by noise multiplier. */
  readonly updates: PrivacyLedger
  /** How many of those updates had their norm clipped. */
  readonly clippedUpdates: number
  /** The DP-SGD steps taken over this participant's rows. */
  readonly dpSgd: PrivacyLedger
  /** Rounds of DP-SGD counted. */
  readonly dpSgdRounds: number
}

export const EMPTY_PARTICIPANT_LEDGER: ParticipantLedger = Object.freeze({
  updates: [],
  clippedUpdates: 0,
  dpSgd: [],
  dpSgdRounds: 0,
})

/** The noise an update was sent with under client-level DP: its clip norm and the Gaussian's deviation. */
export interface UpdateNoise {
  readonly clipNorm: number
  readonly noiseStd: number
}

/** One round of DP-SGD: the rows trained on, the batch size, the epochs and the noise multiplier. */
export interface DpSgdRound {
  readonly rows: number
  readonly batchSize: number
  readonly epochs: number
  readonly noiseMultiplier: number
}

/** The ledger after one more update sent with `noise` (`clipped`: its norm was over the clip norm). */
export function countUpdate(
  ledger: ParticipantLedger,
  noise: UpdateNoise,
  clipped: boolean,
): ParticipantLedger {
  return {
    ...ledger,
    updates: addStep(ledger.updates, 1, noise.noiseStd / noise.clipNorm),
    clippedUpdates: ledger.clippedUpdates + (clipped ? 1 : 0),
  }
}

/** The ledger after one more round of DP-SGD (`dpSgdRound`'s steps at its sample rate). Throws on rows < 1. */
export function countDpSgdRound(ledger: ParticipantLedger, round: DpSgdRound): ParticipantLedger {
  return {
    ...ledger,
    dpSgd: addDpSgdRound(ledger.dpSgd, round.rows, round.batchSize, round.epochs, round.noiseMultiplier),
    dpSgdRounds: ledger.dpSgdRounds + 1,
  }
}

/** Updates counted under client-level DP. */
export const updatesSent = (ledger: ParticipantLedger): number => ledgerSteps(ledger.updates)

/** The participant's epsilon against the coordinator from the updates it sent, at `delta`; 0 before any. */
export const updatesEpsilon = (ledger: ParticipantLedger, delta: number): number =>
  ledgerEpsilon(ledger.updates, delta)

/** The example-level epsilon of the participant's rows from its DP-SGD steps, at `delta`; 0 before any. */
export const dpSgdEpsilon = (ledger: ParticipantLedger, delta: number): number =>
  ledgerEpsilon(ledger.dpSgd, delta)
