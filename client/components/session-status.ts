import type { SessionSnapshot } from '../session/session-state'

const STATUS_TEXT: Record<SessionSnapshot['status'], string> = {
  connecting: 'Connecting to the coordinator…',
  preparing: 'Preparing local data…',
  idle: 'Waiting for a round',
  finished: 'Training finished',
  training: 'Training locally',
  submitting: 'Sending the update',
  disconnected: 'Disconnected: reconnecting…',
  failed: 'Could not join',
}

/**
 * The tab's status badge: what the tab is doing, and between rounds why no round comes (the task paused, stopped by
 * its privacy budget, or done), as the coordinator last said.
 */
export function sessionStatusText(s: SessionSnapshot): string {
  if (s.status !== 'idle' && s.status !== 'finished') return STATUS_TEXT[s.status]
  switch (s.taskState?.phase) {
    case 'stopped':
      return 'Stopped: privacy budget reached'
    case 'finished':
      return 'Training finished'
    case 'paused':
      return 'Paused on the coordinator page'
    case 'idle':
      return 'Waiting for the coordinator to start'
    default:
      return STATUS_TEXT[s.status]
  }
}
