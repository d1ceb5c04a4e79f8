/** Tests and benchmarks launch Chromium the way the command line does. */
export { launchChromium } from '../../cli/chromium'

/** The coordinator page's link (`coordinatorPageUrl`) opened on one task: `?task=` in the query, the token kept in the fragment. */
export function coordinatorPageFor(coordinatorPageUrl: string, taskId: string): string {
  const url = new URL(coordinatorPageUrl)
  url.searchParams.set('task', taskId)
  return url.href
}
