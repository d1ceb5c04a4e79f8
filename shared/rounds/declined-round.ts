import type { ActiveRound } from './state'

/** How a decline is kept among a round's drops (`ActiveRound.dropped`): this prefix, then the tab's own reason. */
export const DECLINED = 'declined: '

/** At most this many of the tabs' different reasons are quoted in a stop reason (each is up to 300 characters). */
const QUOTED_REASONS = 3

/**
 * Why training must stop after an abandoned round, or null: when so many of its selected clients declined it that
 * no quorum could have formed even had every other one reported. A tab declines for a reason that lasts (the round
 * is below the protection it agreed to, or would take its example-level epsilon past the task's budget, and its
 * ledger only grows), so it would decline the next round the same way; starting one at once would repeat the
 * abandoned round forever, as fast as the tabs can answer. Training stops instead, until started again.
 */
export function declinedStop(round: ActiveRound, quorum: number): string | null {
  const reasons = [...round.dropped.values()].filter((why) => why.startsWith(DECLINED))
  if (reasons.length === 0 || round.selected.length - reasons.length >= quorum) return null
  const distinct = [...new Set(reasons.map((why) => why.slice(DECLINED.length)))]
  const more = distinct.length - QUOTED_REASONS
  const quoted =
    distinct.slice(0, QUOTED_REASONS).join('; ') + (more > 0 ? `; and ${more} other reasons` : '')
  return `round ${round.number}: ${reasons.length} of ${round.selected.length} selected clients declined it (quorum ${quorum}): ${quoted}. Training stopped, since they would decline every further round the same way: change what they refuse (the protection they agreed to; past a privacy budget: a larger budget, more noise, fewer rounds or epochs) and start again`
}
