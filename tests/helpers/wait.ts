/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. For real sockets and real training. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  await waitForAsync(async () => condition(), what, timeoutMs)
}

/**
 * Polls an asynchronous `condition` (a page query, a file read) until it resolves true; one check runs at a time.
 * Fails with `what` after `timeoutMs`; a check that rejects fails the wait at once.
 */
export async function waitForAsync(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
