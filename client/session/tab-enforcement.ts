import type { StatisticsSpend } from './statistics-budget'

/** What the tab's protection card shows of its own enforcement. */
export interface TabEnforcement {
  /** The least protection this tab sends under, in words (null before the first hello). */
  readonly floor: string | null
  /** Weakenings the coordinator announced (`task:state`) that the person has not accepted: rounds under them are refused. */
  readonly pending: readonly string[]
  /** The last round this tab refused, and why. */
  readonly refused: { readonly round: number; readonly reasons: readonly string[] } | null
  readonly statistics: StatisticsSpend
}
