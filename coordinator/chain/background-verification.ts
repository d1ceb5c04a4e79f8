import type { EventLog } from '../event-log'
import type { ChainService } from './chain-service'

/**
 * After a start-up from the state snapshot, checks every block from genesis in slices that leave the event loop
 * free (`reverify`), and logs the outcome: the coordinator serves at once, and a chain altered before the snapshot
 * is still found, by the same check `privx verify` runs.
 */
export function verifyInBackground(chain: ChainService, log: EventLog): void {
  const started = Date.now()
  void chain.reverify().then(
    (outcome) => {
      if (!outcome.ok) return // another full run is under way; it reports through verified()
      const health = outcome.value
      if (health.ok)
        log.add(
          'info',
          `chain: every block verified from genesis in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        )
      else log.add('error', `chain: invalid at block ${health.index} (${health.check}): ${health.message}`)
    },
    (error: unknown) => log.add('error', `chain: the full verification failed to run: ${String(error)}`),
  )
}
