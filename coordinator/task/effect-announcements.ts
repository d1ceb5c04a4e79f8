import type { Effect } from '../../shared/rounds/state'
import type { EventLog } from '../event-log'
import type { FederationOutbox } from './federation-ports'

/**
 * Effects the federation only announces: to the tabs concerned and in the task's event log (public lines, except a
 * tab's drop, which names it: token holders only).
 */
export type AnnouncedEffect = Extract<
  Effect,
  { type: 'budget-exhausted' | 'client-dropped' | 'round-abandoned' | 'training-finished' }
>

export function announce(effect: AnnouncedEffect, outbox: FederationOutbox, log: EventLog): void {
  switch (effect.type) {
    case 'budget-exhausted': {
      const text = `privacy budget reached: epsilon ${effect.spent.toFixed(3)} spent, the next round would reach ${effect.next.toFixed(3)} > ${effect.budget}; training stopped`
      log.announce('error', text)
      outbox.toAll('notice', { level: 'warning', text })
      return
    }
    case 'client-dropped':
      outbox.toClient(effect.id, 'round:cancel', { round: effect.round, reason: effect.reason })
      log.add('warning', `${effect.id} dropped from round ${effect.round}: ${effect.reason}`)
      return
    case 'round-abandoned':
      outbox.toAll('round:cancel', { round: effect.round, reason: effect.reason })
      log.announce(
        effect.reason === 'reset' ? 'info' : 'error',
        `round ${effect.round} abandoned: ${effect.reason}; global model unchanged`,
      )
      return
    case 'training-finished':
      log.announce('info', `training finished: ${effect.completedRounds} rounds aggregated`)
      outbox.toAll('training:finished', { rounds: effect.completedRounds })
      return
  }
}
