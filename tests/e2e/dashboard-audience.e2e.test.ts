import type { Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { Coordinator } from '../../coordinator/server'
import { computeEpsilon } from '../../shared/privacy/accountant'
import type { DashboardSnapshot } from '../../shared/protocol'
import { defaultPrivacyConfig } from '../../shared/rounds/config'
import { openPage, startServingCoordinator, useBrowserRig } from '../helpers/browser'
import { waitFor } from '../helpers/wait'

const coordinators: Coordinator[] = []
afterAll(async () => {
  for (const c of coordinators) await c.close()
})
const rig = useBrowserRig(null)

/** Every text frame a page receives (`received`) or sends (`sent`) on its websockets, from before it loads. */
function frames(page: Page, into: { received: string[]; sent: string[] }): void {
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload === 'string') into.received.push(payload)
    })
    ws.on('framesent', ({ payload }) => {
      if (typeof payload === 'string') into.sent.push(payload)
    })
  })
}

/** The live-page snapshots among socket.io frames (`42/dashboard,["dashboard:snapshot",{...}]`). */
function snapshots(received: readonly string[]): DashboardSnapshot[] {
  const prefix = '42/dashboard,'
  return received
    .filter((f) => f.startsWith(prefix))
    .map((f) => JSON.parse(f.slice(prefix.length)) as [string, DashboardSnapshot])
    .filter(([event]) => event === 'dashboard:snapshot')
    .map(([, snapshot]) => snapshot)
}

describe('what the public sees, and what leaves a tab under DP', () => {
  it('a live page without the token receives only per-round aggregates; with it, every tab; DP tabs send no metrics or progress', async () => {
    const coordinator = await startServingCoordinator({
      tickMs: 100,
      config: {
        rounds: 2,
        minClients: 2,
        localEpochs: 1,
        privacy: {
          ...defaultPrivacyConfig,
          mode: 'local',
          noiseMultiplier: 1,
          sampleRate: 1,
          epsilonBudget: 1000,
        },
      },
    })
    coordinators.push(coordinator)
    const federation = coordinator.federation
    const { browser } = rig
    // Two tabs, each in its own browser (its own account and storage).
    const tabFrames = [0, 1].map(() => ({ received: [] as string[], sent: [] as string[] }))
    const tabs = await Promise.all(
      tabFrames.map((f) => openPage(browser, coordinator.clientPageUrl, (page) => frames(page, f))),
    )
    const open = { received: [] as string[], sent: [] as string[] }
    const withToken = { received: [] as string[], sent: [] as string[] }
    const publicUrl = coordinator.coordinatorPageUrl.replace(/#.*$/, '')
    expect(publicUrl).not.toMatch(/token/)
    const publicPage = await openPage(browser, publicUrl, (page) => frames(page, open))
    const tokenPage = await openPage(browser, coordinator.coordinatorPageUrl, (page) =>
      frames(page, withToken),
    )

    await waitFor(
      () => [...federation.state.clients.values()].filter((c) => c.ready).length === 2,
      '2 ready tabs',
      60_000,
    )
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 2, '2 DP rounds', 120_000)
    const twoRounds = computeEpsilon({ sampleRate: 1, noiseMultiplier: 1, steps: 2, delta: 1e-5 }).epsilon
    // Both pages show the rounds (snapshots are coalesced: wait for the last one).
    for (const page of [publicPage, tokenPage]) {
      await expect
        .poll(() => page.getByTestId('completed-rounds').textContent(), { timeout: 20_000 })
        .toBe('2')
      await expect.poll(() => page.getByTestId('public-epsilon').textContent()).toBe(twoRounds.toFixed(3))
      expect(await page.getByTestId('client-count').textContent()).toBe('2')
    }

    // Without the token: aggregates only, in every frame it received.
    const seen = snapshots(open.received)
    expect(seen.length).toBeGreaterThan(0)
    for (const s of seen) {
      expect(s.canControl).toBe(false)
      expect(s.clients).toBeNull()
      expect(s.history.every((r) => r.verdicts === undefined)).toBe(true)
      expect(s.events.every((e) => e.public === true)).toBe(true)
    }
    const last = seen.at(-1)!
    expect(last.history.slice(1).map((r) => [r.participants, r.examples > 0])).toEqual([
      [2, true],
      [2, true],
    ])
    // (The chain explorer's answers list participants by account: public by design, README "What the public sees".)
    const leaked = open.received.filter((f) => /tab-\d|lastLoss|exampleEpsilon|verdicts/.test(f))
    expect(leaked).toEqual([])
    expect(await publicPage.getByTestId('clients-hidden').textContent()).toMatch(
      /Sign in with the control token/,
    )

    // With the token: every tab, its status and counts, the verdicts and the per-tab log lines.
    const full = snapshots(withToken.received).at(-1)!
    expect(full.canControl).toBe(true)
    expect(full.clients!.map((c) => c.id).every((id) => /^tab-\d+$/.test(id))).toBe(true)
    expect(full.clients).toHaveLength(2)
    expect(Object.keys(full.history.at(-1)!.verdicts ?? {})).toHaveLength(2)
    expect(
      full.events.some((e) => !e.public && /tab-\d+ ready with \d+ training examples/.test(e.text)),
    ).toBe(true)
    await expect.poll(() => tokenPage.getByTestId('client-row').count()).toBe(2)

    // Under DP the tabs sent updates, with no training loss or accuracy and no progress reports.
    for (const f of tabFrames) {
      const updates = f.sent.filter((frame) => frame.includes('"client:update"'))
      expect(updates).toHaveLength(2)
      expect(updates.filter((frame) => frame.includes('"metrics"'))).toEqual([])
      expect(f.sent.filter((frame) => frame.includes('"client:progress"'))).toEqual([])
    }
    expect(federation.history.slice(1).map((r) => [r.trainLoss, r.trainAccuracy])).toEqual([
      [null, null],
      [null, null],
    ])
    // Each tab shows its own epsilon against the public, and its browser's total across tasks, counted at send.
    for (const tab of tabs) {
      await expect.poll(() => tab.getByTestId('public-epsilon').textContent()).toBe(twoRounds.toFixed(3))
      await expect.poll(() => tab.getByTestId('cumulative-epsilon').textContent()).toBe(twoRounds.toFixed(3))
    }
    // The total is kept in the browser's storage: a new tab of the first browser shows it before sending anything.
    const later = await tabs[0]!.context().newPage()
    await later.goto(coordinator.clientPageUrl)
    await expect
      .poll(() => later.getByTestId('cumulative-epsilon').textContent(), { timeout: 20_000 })
      .toBe(twoRounds.toFixed(3))
  })
})
