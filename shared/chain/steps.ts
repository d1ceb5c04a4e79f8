/**
 * Runs a stepwise computation (a generator that yields between steps) to its end at once and returns its result.
 * The same generator can instead be driven a few steps at a time by a caller that yields to its event loop.
 */
export function runSteps<T>(steps: Iterator<unknown, T>): T {
  for (;;) {
    const next = steps.next()
    if (next.done) return next.value
  }
}
