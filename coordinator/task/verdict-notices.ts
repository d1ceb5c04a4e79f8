import type { UpdateVerdict } from '../../shared/aggregation/round-aggregator'
import type { ClientId, ParticipantReport } from '../../shared/rounds/state'
import type { EventLog } from '../event-log'
import type { FederationOutbox } from './federation-ports'

const norm = (x: number): string => Number(x.toPrecision(3)).toString()

/**
 * Tells each tab what the round's rule did with its update (capped, clipped, left out, and its contribution score),
 * and the live page's log how many were cut: a tab is never silently down-weighted or dropped.
 */
export function announceVerdicts(
  round: number,
  verdicts: ReadonlyMap<ClientId, UpdateVerdict>,
  reports: ReadonlyMap<ClientId, ParticipantReport>,
  outbox: FederationOutbox,
  log: EventLog,
  note?: string,
): void {
  if (note) log.add('info', `round ${round}: ${note}`)
  let clipped = 0
  let capped = 0
  const rejected: string[] = []
  const unselected: string[] = []
  for (const [id, verdict] of verdicts) {
    if (!verdict.counted) {
      // Krum leaving out the updates farthest from the rest is how the rule works every round, not an accusation.
      const selection = verdict.cause === 'not-selected'
      ;(selection ? unselected : rejected).push(id)
      outbox.toClient(id, 'notice', {
        level: selection ? 'info' : 'warning',
        text: `round ${round}: your update was left out of the aggregate: ${verdict.reason}`,
      })
      continue
    }
    const parts: string[] = []
    // The round machine capped the declared count (`maxWeight`); the rule may cap it again.
    const report = reports.get(id)
    const weight = Math.min(
      report?.weight ?? Number.POSITIVE_INFINITY,
      verdict.capped?.to ?? Number.POSITIVE_INFINITY,
    )
    const declared = report?.examples ?? verdict.capped?.from
    if (declared !== undefined && weight < declared) {
      capped++
      parts.push(`weighted as ${weight} examples, the round's cap (you declared ${declared})`)
    }
    if (verdict.clipped) {
      clipped++
      parts.push(
        `scaled from norm ${norm(verdict.clipped.from)} to the round's bound ${norm(verdict.clipped.to)}`,
      )
    }
    const score = verdict.score === undefined ? '' : `; contribution score ${verdict.score.toFixed(2)}`
    if (parts.length || score) {
      outbox.toClient(id, 'notice', {
        level: parts.length ? 'warning' : 'info',
        text: `round ${round}: your update was counted${parts.length ? `, ${parts.join(' and ')}` : ''}${score}`,
      })
    }
  }
  if (clipped || capped || rejected.length) {
    log.add(
      'warning',
      `round ${round}: ${capped} update(s) weight-capped, ${clipped} norm-clipped, ${rejected.length} left out${rejected.length ? ` (${rejected.join(', ')})` : ''}`,
    )
  }
  if (unselected.length) {
    log.add(
      'info',
      `round ${round}: Krum did not select ${unselected.join(', ')} (the updates farthest from the rest)`,
    )
  }
}
