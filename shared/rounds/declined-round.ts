import type { ActiveRound, ClientId } from './state'

/** How a decline is kept among a round's drops (`ActiveRound.dropped`): this prefix, then the tab's own reason. */
export const DECLINED = 'declined: '

/** At most this many of the tabs' different reasons are quoted in a stop reason (each is up to 300 characters). */
const QUOTED_REASONS = 3

/**
 * Whether training must stop after an abandoned round, and the clients that have declined since the last completed
 * round (`earlier`, and this round's). A tab declines for a reason that lasts (the round is below the protection it
 * agreed to, or would take its example-level epsilon past the task's budget, and its ledger only grows), so it would
 * decline the next round the same way. Training stops once the ready clients that have not declined cannot make
 * the quorum even if a round selected all of them: starting rounds would repeat the abandoned one forever, as fast
 * as the tabs answer. While they can (a round sampled some of the tabs, and others remain), training goes on.
 */
export function declinedStop(
  round: ActiveRound,
  quorum: number,
  earlier: readonly ClientId[],
  ready: readonly ClientId[],
): { stop: string | null; decliners: ClientId[] } {
  const declining = [...round.dropped].filter(([, why]) => why.startsWith(DECLINED))
  const decliners = [...new Set([...earlier, ...declining.map(([id]) => id)])]
  const others = ready.filter((id) => !decliners.includes(id)).length
  if (declining.length === 0 || others >= quorum) return { stop: null, decliners }
  const distinct = [...new Set(declining.map(([, why]) => why.slice(DECLINED.length)))]
  const more = distinct.length - QUOTED_REASONS
  const quoted =
    distinct.slice(0, QUOTED_REASONS).join('; ') + (more > 0 ? `; and ${more} other reasons` : '')
  const stop = `round ${round.number}: ${declining.length} of ${round.selected.length} selected clients declined it (quorum ${quorum}; ${others} other ready clients have not declined): ${quoted}. Training stopped, since they would decline every further round the same way: change what they refuse (the protection they agreed to; past a privacy budget: a larger budget, more noise, fewer rounds or epochs) and start again`
  return { stop, decliners }
}

/** Why a round without a quorum was abandoned: what arrived, and each cause of a drop with its count. */
export function abandonReason(round: ActiveRound, quorum: number): string {
  const causes = new Map<string, number>()
  for (const why of round.dropped.values()) causes.set(why, (causes.get(why) ?? 0) + 1)
  const detail = [...causes].map(([why, n]) => `${n} ${why}`).join(', ')
  return `only ${round.reported.size} of ${round.selected.length} updates arrived (quorum ${quorum}; ${detail})`
}
