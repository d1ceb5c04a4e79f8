import { addDpSgdRound } from '../../shared/privacy/dp-sgd'
import { addStep, ledgerEpsilon, type PrivacyLedger } from '../../shared/privacy/ledger'
import type { DpSgdRound } from '../../shared/privacy/participant-ledger'

/**
 * What this browser's tabs have spent, across every task and session, counted when an update is sent (before any
 * answer: a refused or late upload leaked as much as an accepted one). Composed by RDP (Mironov 2017) as if every
 * update were a release of the same data, so it bounds one dataset used across tasks; it is kept in the browser's
 * storage beside its account key.
 */
export interface CumulativePrivacy {
  /** Client-level DP updates sent, each one unsubsampled Gaussian release at noiseStd / clipNorm (the coordinator sees it). */
  readonly updates: PrivacyLedger
  /** Example-level DP-SGD steps over the rows trained on. */
  readonly dpSgd: PrivacyLedger
  /** Updates sent under DP of either kind. */
  readonly sends: number
  /** The tasks they were sent to (the most recent 100). */
  readonly tasks: readonly string[]
  /** The smallest delta among those tasks: each epsilon is reported at it (a larger epsilon than at any other). */
  readonly delta: number
}

/** One update as it leaves the tab, with the DP it carries (either kind, or both). */
export interface SentUpdate {
  readonly taskId: string
  /** Client-level DP: the update's noise multiplier against the coordinator (noiseStd / clipNorm). */
  readonly updateNoise: number | null
  readonly dpSgd: DpSgdRound | null
  readonly delta: number
}

/** Where the running totals live: one atomic read-modify-write a change (tabs of one browser share it). */
export interface PrivacyStore {
  read(): Promise<CumulativePrivacy | undefined>
  update(change: (current: CumulativePrivacy | undefined) => CumulativePrivacy): Promise<CumulativePrivacy>
}

const MAX_TASKS = 100

/** The totals after `sent`; an update without DP changes nothing. */
export function addSent(current: CumulativePrivacy | undefined, sent: SentUpdate): CumulativePrivacy {
  const base = current ?? { updates: [], dpSgd: [], sends: 0, tasks: [], delta: sent.delta }
  if (sent.updateNoise === null && sent.dpSgd === null) return base
  const d = sent.dpSgd
  return {
    updates: sent.updateNoise === null ? base.updates : addStep(base.updates, 1, sent.updateNoise),
    dpSgd: d ? addDpSgdRound(base.dpSgd, d.rows, d.batchSize, d.epochs, d.noiseMultiplier) : base.dpSgd,
    sends: base.sends + 1,
    tasks: [...base.tasks.filter((t) => t !== sent.taskId), sent.taskId].slice(-MAX_TASKS),
    delta: Math.min(base.delta, sent.delta),
  }
}

/** The totals as a tab shows them: user-level epsilon against the coordinator, example-level epsilon of the rows. */
export function cumulativeEpsilon(c: CumulativePrivacy): { updates: number; dpSgd: number } {
  return { updates: ledgerEpsilon(c.updates, c.delta), dpSgd: ledgerEpsilon(c.dpSgd, c.delta) }
}

const isLedger = (x: unknown): x is PrivacyLedger =>
  Array.isArray(x) &&
  x.every(
    (g) =>
      typeof g === 'object' &&
      g !== null &&
      [g.sampleRate, g.noiseMultiplier, g.steps].every((n) => typeof n === 'number' && Number.isFinite(n)),
  )

/** A stored value read back: its shape checked (storage is the page's, but may hold an older format). */
export function isCumulativePrivacy(x: unknown): x is CumulativePrivacy {
  if (typeof x !== 'object' || x === null) return false
  const c = x as Record<string, unknown>
  return (
    isLedger(c.updates) &&
    isLedger(c.dpSgd) &&
    typeof c.sends === 'number' &&
    Array.isArray(c.tasks) &&
    c.tasks.every((t) => typeof t === 'string') &&
    typeof c.delta === 'number' &&
    c.delta > 0 &&
    c.delta < 1
  )
}

/** Totals kept in memory only (the Node headless client, tests). */
export function memoryPrivacyStore(): PrivacyStore & { readonly value: CumulativePrivacy | undefined } {
  let value: CumulativePrivacy | undefined
  return {
    get value() {
      return value
    },
    read: () => Promise.resolve(value),
    update(change) {
      value = change(value)
      return Promise.resolve(value)
    },
  }
}
