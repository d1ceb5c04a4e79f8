import type { PrivacyLedger } from '../../shared/privacy/ledger'
import {
  countDpSgdRound,
  dpSgdEpsilon,
  EMPTY_PARTICIPANT_LEDGER,
  type ParticipantLedger,
} from '../../shared/privacy/participant-ledger'
import { countParticipation, participationEpsilon } from '../../shared/privacy/participation'
import type { ClientId, Effect, RoundState } from '../../shared/rounds/state'

type Completed = Extract<Effect, { type: 'round-completed' }>

/** One account's client-level DP rounds, and its epsilon at the delta it was last computed for. */
interface Participation {
  readonly ledger: PrivacyLedger
  readonly rounds: number
  epsilon: { readonly delta: number; readonly value: number } | null
}

/**
 * Each participant's privacy on the coordinator:
 * - example-level (DP-SGD): the same ledger the tab keeps of itself (`shared/privacy/participant-ledger.ts`), so the
 *   live page's example-level epsilon is the tab's own figure; kept per connected tab.
 * - client-level, against the public (`shared/privacy/participation.ts`): the chain names each round's participants,
 *   so every completed DP round an account took part in counts at q = 1 (a round whose model was not released is
 *   not seen by the public; the tab's own ledger counts every update it sent). Kept per
 *   account for the task's run, beyond the tab's connection; the task's public epsilon is the largest.
 */
export class ParticipantPrivacy {
  readonly #ledgers = new Map<ClientId, ParticipantLedger>()
  readonly #public = new Map<string, Participation>()

  /**
   * Counts a completed round: each participant's DP-SGD steps (its rows, batch size and epochs) and, in a
   * client-level DP round, one participation at the aggregate's noise multiplier (the last step of the task's
   * ledger, added when this round started).
   */
  countRound(round: Completed, state: RoundState, rowsOf: (id: ClientId) => number | undefined): void {
    const { config } = state
    const noiseMultiplier = state.privacyLedger.at(-1)?.noiseMultiplier
    if (round.privacy && noiseMultiplier !== undefined) {
      // An account counts once a round: two tabs of one browser (one account) are one participant's data at most
      // once each, and a tab that reconnects under a new id keeps its account.
      const accounts = new Set([...round.reports].map(([id, report]) => report.address || id))
      for (const account of accounts) {
        const before = this.#public.get(account)
        this.#public.set(account, {
          ledger: countParticipation(before?.ledger ?? [], noiseMultiplier),
          rounds: (before?.rounds ?? 0) + 1,
          epsilon: null,
        })
      }
    }
    const dpSgd = config.privacy.exampleLevel
    if (!dpSgd.enabled) return
    for (const [id, report] of round.reports) {
      const counted = {
        rows: rowsOf(id) ?? report.examples,
        batchSize: config.batchSize,
        epochs: config.localEpochs,
        noiseMultiplier: dpSgd.noiseMultiplier,
      }
      this.#ledgers.set(id, countDpSgdRound(this.#ledgers.get(id) ?? EMPTY_PARTICIPANT_LEDGER, counted))
    }
  }

  /** The participant's example-level epsilon so far; null before any DP-SGD round. */
  exampleEpsilon(id: ClientId, delta: number): number | null {
    const ledger = this.#ledgers.get(id)
    return ledger && ledger.dpSgdRounds > 0 ? dpSgdEpsilon(ledger, delta) : null
  }

  /**
   * Epsilon against the public at `delta`: the largest over the accounts that took part in client-level DP rounds,
   * with that account's participations; 0 and 0 before any. Each account's figure is computed once per delta.
   */
  publicEpsilon(delta: number): { epsilon: number; participations: number } {
    let worst = { epsilon: 0, participations: 0 }
    for (const p of this.#public.values()) {
      if (p.epsilon?.delta !== delta) p.epsilon = { delta, value: participationEpsilon(p.ledger, delta) }
      if (p.epsilon.value > worst.epsilon) worst = { epsilon: p.epsilon.value, participations: p.rounds }
    }
    return worst
  }

  /** A tab left: its example-level ledger goes; its account's public participations stay (the chain keeps them). */
  forget(id: ClientId): void {
    this.#ledgers.delete(id)
  }

  /** A reset: a new run, as the task's own ledger. */
  clear(): void {
    this.#ledgers.clear()
    this.#public.clear()
  }
}

/**
 * The local training metrics of an update, as the coordinator keeps them: none in a DP round (client-level or
 * DP-SGD), even when a tab sent them, since they are unnoised and would reach the round records, the chain and the
 * live page outside epsilon (README, "What leaves a tab").
 */
export function keptMetrics(
  state: RoundState,
  metrics: { readonly loss: number; readonly accuracy: number } | undefined,
): { readonly loss: number; readonly accuracy: number } | undefined {
  return state.round?.privacy || state.config.privacy.exampleLevel.enabled ? undefined : metrics
}
