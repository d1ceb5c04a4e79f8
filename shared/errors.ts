/**
 * Describing what was thrown. Pure: no DOM or node:* import, so both ends use it.
 */

/** The message of anything thrown: an Error's `message`, or the value as text (a string thrown, a rejection). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Whether `error` is an abort (an `AbortSignal` fired): expected, so callers stay silent about it. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError'
}
