/** An expected outcome: a value, or an error that travels back to the caller (in an ack, in the UI). */
export type Result<T, E = ProtocolError> = { ok: true; value: T } | { ok: false; error: E }

/**
 * Every reason the coordinator or a client can refuse something. A string union, never a numeric enum,
 * so adding a member never renumbers the wire.
 */
export type ErrorCode =
  | 'bad-payload'
  | 'not-joined'
  | 'unknown-task'
  | 'not-ready'
  | 'stale-round'
  | 'not-selected'
  | 'duplicate-update'
  | 'deadline-passed'
  | 'wrong-shape'
  | 'non-finite'
  | 'too-large'
  | 'unauthorized'
  | 'invalid-config'
  | 'invalid-state'
  | 'over-budget'
  | 'replay'
  | 'insufficient-funds'
  | 'forbidden'
  | 'rate-limited'

export type ProtocolError = { code: ErrorCode; message: string }

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value })

export const fail = (code: ErrorCode, message: string): Result<never, ProtocolError> => ({
  ok: false,
  error: { code, message },
})
