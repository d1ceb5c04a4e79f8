import type { EventLog } from '../event-log'
import type { ChainService } from './chain-service'

/**
 * After a start-up from the state snapshot, checks every block from genesis in slices that leave the event loop
 * free (`reverify`), and logs the outcome: the coordinator serves at once, and a chain altered before the snapshot
 * is still found, by the same check `privx verify` runs. A fault halts the chain (`halt`): no block is added to a
 * history that a start-up from genesis would have refused.
 */
export function verifyInBackground(chain: ChainService, log: EventLog): void {
  const started = Date.now()
  void chain.reverify().then(
    (outcome) => {
      if (!outcome.ok) return // another full run is under way; it reports through verified()
      const health = outcome.value
      if (health.ok) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1)
        log.add('info', `chain: every block verified from genesis in ${seconds} s`)
        return
      }
      const why = `the stored chain is invalid at block ${health.index} (${health.check}): ${health.message}`
      log.add('error', `chain: ${why}; no more blocks are written. Run "npx privx verify --data-dir DIR".`)
      // A start-up from genesis would have refused this chain: extending it would hide the fault.
      chain.halt(`${why}; the coordinator takes no more transactions`)
    },
    (error: unknown) => log.add('error', `chain: the full verification failed to run: ${String(error)}`),
  )
}
