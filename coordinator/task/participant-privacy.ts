import {
  countDpSgdRound,
  dpSgdEpsilon,
  EMPTY_PARTICIPANT_LEDGER,
  type ParticipantLedger,
} from '../../shared/privacy/participant-ledger'
import type { TrainingConfig } from '../../shared/rounds/config'
import type { ClientId, ParticipantReport } from '../../shared/rounds/state'

/**
 * Each participant's privacy ledger on the coordinator: the same ledger the tab keeps of itself
 * (`shared/privacy/participant-ledger.ts`), so the live page's example-level epsilon is the tab's own figure.
 */
export class ParticipantPrivacy {
  readonly #ledgers = new Map<ClientId, ParticipantLedger>()

  /** Counts a completed round's DP-SGD steps for each participant (its rows, batch size and epochs). */
  countRound(
    reports: ReadonlyMap<ClientId, ParticipantReport>,
    config: TrainingConfig,
    rowsOf: (id: ClientId) => number | undefined,
  ): void {
    const dpSgd = config.privacy.exampleLevel
    if (!dpSgd.enabled) return
    for (const [id, report] of reports) {
      const round = {
        rows: rowsOf(id) ?? report.examples,
        batchSize: config.batchSize,
        epochs: config.localEpochs,
        noiseMultiplier: dpSgd.noiseMultiplier,
      }
      this.#ledgers.set(id, countDpSgdRound(this.#ledgers.get(id) ?? EMPTY_PARTICIPANT_LEDGER, round))
    }
  }

  /** The participant's example-level epsilon so far; null before any DP-SGD round. */
  exampleEpsilon(id: ClientId, delta: number): number | null {
    const ledger = this.#ledgers.get(id)
    return ledger && ledger.dpSgdRounds > 0 ? dpSgdEpsilon(ledger, delta) : null
  }

  forget(id: ClientId): void {
    this.#ledgers.delete(id)
  }

  clear(): void {
    this.#ledgers.clear()
  }
}
