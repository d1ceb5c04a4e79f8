import { setImmediate as nextTurn } from 'node:timers/promises'

/** How long one slice of background work may hold the event loop before it lets sockets and timers run. */
export const DEFAULT_SLICE_MS = 10

/**
 * Runs a stepwise computation in slices of about `sliceMs`, yielding to the event loop (setImmediate, so pending
 * I/O and timers run first) between slices. A slice ends before the step that would likely overrun it (judged by
 * the last step's cost), so the event loop is held for at most `sliceMs` or one step, whichever is longer.
 * Returns the computation's result and the longest slice measured, in milliseconds.
 */
export async function runSliced<T>(
  steps: Iterator<unknown, T>,
  sliceMs: number = DEFAULT_SLICE_MS,
): Promise<{ value: T; longestSliceMs: number }> {
  let longestSliceMs = 0
  let lastStepMs = 0
  for (;;) {
    const start = performance.now()
    let elapsed = 0
    do {
      const before = performance.now()
      const next = steps.next()
      const after = performance.now()
      lastStepMs = after - before
      elapsed = after - start
      if (next.done) return { value: next.value, longestSliceMs: Math.max(longestSliceMs, elapsed) }
    } while (elapsed + lastStepMs < sliceMs)
    longestSliceMs = Math.max(longestSliceMs, elapsed)
    await nextTurn()
  }
}
