import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { launchChromium } from '../helpers/browser'

const dist = resolve('dist')
let coordinator: Coordinator
let browser: Browser

beforeAll(async () => {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('no build in dist/: run vite build first')
  coordinator = await startCoordinator({
    port: 0,
    staticDir: dist,
    config: { rounds: 1, minClients: 1, localEpochs: 1 },
    faucetAmount: 100,
  })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await coordinator?.close()
})

/** The policy's directives by name, each with its sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  )
}

function expectProtected(response: Response): void {
  const policy = directives(response.headers.get('content-security-policy') ?? '')
  expect(policy.get('default-src')).toEqual(["'self'"])
  expect(policy.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
  expect(policy.get('style-src')).toEqual(["'self'"])
  expect(policy.get('frame-ancestors')).toEqual(["'none'"])
  expect(policy.get('object-src')).toEqual(["'none'"])
  expect([...policy.values()].flat()).not.toContain("'unsafe-eval'")
  // No origin but this one: the only scheme source is the empty favicon's data: URL.
  const schemesAndHosts = [...policy].flatMap(([name, sources]) =>
    sources.filter((s) => !s.startsWith("'")).map((s) => `${name} ${s}`),
  )
  expect(schemesAndHosts).toEqual(['img-src data:'])
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  expect(response.headers.get('referrer-policy')).toBe('no-referrer')
}

describe('every response carries the security headers', () => {
  const asset = readdirSync(join(dist, 'assets')).find((f) => f.endsWith('.js'))
  it.each([
    ['/', 200],
    ['/coordinator', 200],
    ['/market', 200],
    [`/assets/${asset}`, 200],
    ['/api/tasks', 200],
    ['/api/chain/verify', 200],
    ['/assets/no-such-file.js', 404],
  ])('%s', async (path, status) => {
    const response = await fetch(`${coordinator.url}${path}`)
    expect(response.status).toBe(status)
    expectProtected(response)
    await response.arrayBuffer()
  })

  it('the 503 page of a coordinator with no build', async () => {
    const bare = await startCoordinator({
      port: 0,
      staticDir: mkdtempSync(join(tmpdir(), 'privx-nobuild-')),
      encryption: false,
    })
    try {
      const response = await fetch(`${bare.url}/coordinator`)
      expect(response.status).toBe(503)
      expectProtected(response)
      await response.text()
    } finally {
      await bare.close()
    }
  })
})

/** A DevTools issue (Audits.InspectorIssue), as far as these tests read it. */
type Issue = { code: string; details: { contentSecurityPolicyIssueDetails?: unknown } }

/**
 * Records every CSP violation Chromium reports for `page` and for the workers it starts: DevTools' issues, which
 * also catch violations a script swallowed (a caught `new Function`) and those inside a worker, where neither the
 * page's console nor its `securitypolicyviolation` event sees them. Call before the page navigates.
 */
async function recordViolations(page: Page, into: string[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  const report = (where: string, issue: Issue): void => {
    if (issue.code === 'ContentSecurityPolicyIssue')
      into.push(`${where}: ${JSON.stringify(issue.details.contentSecurityPolicyIssueDetails)}`)
  }
  const workers = new Map<string, string>()
  cdp.on('Audits.issueAdded', ({ issue }) => report(page.url(), issue))
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
    workers.set(sessionId, targetInfo.url)
    const send = (id: number, method: string) =>
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) })
    // The worker waits for the debugger, so its issues are on record from its first line.
    void send(1, 'Audits.enable').then(() => send(2, 'Runtime.runIfWaitingForDebugger'))
  })
  cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => {
    const event = JSON.parse(message) as { method?: string; params?: { issue: Issue } }
    if (event.method === 'Audits.issueAdded' && event.params)
      report(workers.get(sessionId) ?? 'worker', event.params.issue)
  })
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) into.push(`${page.url()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => into.push(`${page.url()}: ${error.message}`))
  await cdp.send('Audits.enable')
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false })
}

/** A page in `context` whose violations land in `violations`. */
async function watchedPage(context: BrowserContext, violations: string[]): Promise<Page> {
  const page = await context.newPage()
  await recordViolations(page, violations)
  return page
}

describe('the built pages under the policy, in Chromium', () => {
  it('the coordinator link hands its token to the page, which keeps it out of every URL and controls a round the tab trains', async () => {
    const context = await browser.newContext()
    const violations: string[] = []
    const urls: string[] = []
    context.on('request', (request) => urls.push(request.url()))
    context.on('page', (page) => page.on('websocket', (socket) => urls.push(socket.url())))
    const { controlToken } = coordinator
    const dashboard = await watchedPage(context, violations)
    await dashboard.goto(coordinator.coordinatorPageUrl)
    await expect.poll(() => dashboard.getByTestId('start').isEnabled(), { timeout: 30_000 }).toBe(true)
    expect(dashboard.url()).not.toContain(controlToken)
    expect(await dashboard.evaluate(() => location.href)).toBe(`${coordinator.url}/coordinator`)
    expect(await dashboard.evaluate(() => sessionStorage.getItem('privx.controlToken'))).toBe(controlToken)

    // A reload in the same tab keeps control; another tab of the same profile, without the link, only watches.
    await dashboard.reload()
    await expect.poll(() => dashboard.getByTestId('start').isEnabled(), { timeout: 30_000 }).toBe(true)
    const watcher = await watchedPage(context, violations)
    await watcher.goto(`${coordinator.url}/coordinator`)
    await expect.poll(() => watcher.getByTestId('reset').isDisabled(), { timeout: 30_000 }).toBe(true)

    // The client tab trains in its worker (tfjs WASM) and encrypts with SEAL (WASM in the page): one round.
    const tab = await watchedPage(context, violations)
    await tab.goto(coordinator.clientPageUrl)
    await expect
      .poll(() => tab.getByTestId('backend').textContent(), { timeout: 60_000 })
      .toMatch(/backend: wasm/)
    await expect
      .poll(() => dashboard.getByTestId('client-count').textContent(), { timeout: 30_000 })
      .toBe('1')
    await dashboard.getByTestId('encryption-select').selectOption('bfv')
    await dashboard.getByTestId('apply-encryption').click()
    await expect.poll(() => tab.getByTestId('he-status').textContent(), { timeout: 60_000 }).toBe('on')
    await dashboard.getByTestId('start').click()
    await expect
      .poll(() => dashboard.getByTestId('completed-rounds').textContent(), { timeout: 120_000 })
      .toBe('1')

    expect(await tab.getByTestId('he-rounds').textContent()).toBe('1')
    expect(urls.filter((u) => u.includes('/socket.io/')).length).toBeGreaterThan(0)
    expect(urls.filter((u) => u.includes(controlToken))).toEqual([])
    expect(violations).toEqual([])
    await context.close()
  })

  it('the market page renders with no violation', async () => {
    const context = await browser.newContext()
    const violations: string[] = []
    const page = await watchedPage(context, violations)
    await page.goto(`${coordinator.url}/market`)
    await page.getByTestId('nav-wallet').click()
    await page.getByTestId('market-claim').click()
    await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('100')
    expect(violations).toEqual([])
    await context.close()
  })
})
