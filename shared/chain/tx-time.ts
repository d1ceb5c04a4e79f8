import { fail, ok, type Result } from '../result'
import type { SignedTransaction } from './transaction'

/**
 * How far a transaction's `body.timestamp` may lie after the time of the block that includes it. Clocks of honest
 * senders drift by seconds, not minutes; a larger lead is a wrong clock or a sender dating its transaction ahead
 * (market statistics and any later deadline logic read these timestamps).
 */
export const MAX_TX_LEAD_MS = 5 * 60 * 1000

/**
 * How far a transaction's `body.timestamp` may lie before the time of its block. The coordinator puts every
 * accepted transaction in a block at once, so an honest transaction is seconds old; a day leaves room for a sender
 * whose clock is off by a time zone and for a transaction signed offline, while refusing ones dated years back.
 */
export const MAX_TX_AGE_MS = 24 * 60 * 60 * 1000

/** The latest JavaScript date; beyond it `Date#toISOString` throws. */
const MAX_DATE_MS = 8.64e15

const dated = (ms: number): string =>
  Math.abs(ms) <= MAX_DATE_MS ? `${ms} (${new Date(ms).toISOString()})` : `${ms}`

/** A duration in the largest unit that keeps it readable: "40 s", "12 minutes", "30 hours", "75 years". */
export function durationText(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 120) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 120) return `${minutes} minutes`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} hours`
  const days = Math.round(hours / 24)
  if (days < 730) return `${days} days`
  return `${Math.round(days / 365.25)} years`
}

/**
 * Whether a transaction's timestamp lies in the window around its block's time: no later than
 * `blockTime + MAX_TX_LEAD_MS` and no earlier than `blockTime - MAX_TX_AGE_MS`. The refusal names the field, both
 * dates and the bound crossed. Block production and block verification both apply it, so a block the coordinator
 * could not have produced never verifies.
 */
export function checkTransactionTime(tx: SignedTransaction, blockTime: number): Result<null> {
  const t: unknown = tx.body?.timestamp
  const who = `transaction ${String(tx.id).slice(0, 12)}`
  if (typeof t !== 'number' || !Number.isFinite(t))
    return fail('bad-payload', `${who}: body.timestamp is not a finite number`)
  if (t > blockTime + MAX_TX_LEAD_MS)
    return fail(
      'bad-payload',
      `${who}: body.timestamp ${dated(t)} is ${durationText(t - blockTime)} after the block time ${dated(blockTime)}; at most ${durationText(MAX_TX_LEAD_MS)} ahead is accepted (is the sender's clock wrong?)`,
    )
  if (t < blockTime - MAX_TX_AGE_MS)
    return fail(
      'bad-payload',
      `${who}: body.timestamp ${dated(t)} is ${durationText(blockTime - t)} before the block time ${dated(blockTime)}; at most ${durationText(MAX_TX_AGE_MS)} old is accepted`,
    )
  return ok(null)
}
