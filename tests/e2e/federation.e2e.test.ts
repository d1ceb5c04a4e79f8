import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { percent } from '../../client/components/format'
import { openTab, openTabs, useBrowserRig } from '../helpers/browser'
import { readyCount } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const rig = useBrowserRig({
  config: { rounds: 3, minClients: 3, localEpochs: 40, batchSize: 16, roundDeadlineMs: 60_000 },
})
let dashboard: Page
let tabs: Page[] = []

const percentOf = async (page: Page, testId: string): Promise<number> => {
  const text = (await page.getByTestId(testId).textContent()) ?? ''
  const value = Number.parseFloat(text)
  if (!Number.isFinite(value)) throw new Error(`${testId} shows "${text}", not a percentage`)
  return value / 100
}

beforeAll(async () => {
  const { browser, coordinator } = rig
  const context = await browser.newContext()
  dashboard = await openTab(context, coordinator.coordinatorPageUrl)
  tabs = await openTabs(
    context,
    ['', '', '', '?backend=cpu'].map((query) => `${coordinator.clientPageUrl}${query}`),
  )
})

describe('tabs train together in headless Chromium', () => {
  it('each tab joins and says which backend it trains on', async () => {
    await waitFor(() => readyCount(rig.coordinator.federation) === 4, '4 ready tabs')
    await expect
      .poll(() => dashboard.getByTestId('client-count').textContent(), { timeout: 10_000 })
      .toBe('4')
    // No GPU here: WebGL runs on SwiftShader, so the tab skips it for WASM; the fourth tab asked for cpu.
    expect(await tabs[0]!.getByTestId('backend').textContent()).toMatch(/backend: wasm/)
    expect(await tabs[3]!.getByTestId('backend').textContent()).toBe('backend: cpu (requested)')
  })

  it('runs 3 rounds from the coordinator page, survives a tab closed mid-round, and beats the majority class', async () => {
    const ids = await Promise.all(tabs.map((t) => t.getByTestId('client-id').textContent()))
    await dashboard.getByTestId('start').click()
    const federation = rig.coordinator.federation
    const state = () => federation.state
    await waitFor(() => state().round?.number === 2, 'round 2 to start', 120_000)
    const early = () =>
      [...state().clients.values()].find((c) => c.status === 'training' && c.progress > 0 && c.progress < 0.5)
    await waitFor(() => early() !== undefined, 'a tab early in its round-2 training', 60_000)
    const victimId = early()!.id
    const victim = tabs[ids.indexOf(victimId)]!
    await victim.close()

    await expect
      .poll(() => dashboard.getByTestId('completed-rounds').textContent(), { timeout: 180_000 })
      .toBe('3')
    await expect
      .poll(() => dashboard.getByTestId('phase').textContent(), { timeout: 10_000 })
      .toBe('finished')
    const round2 = state().outcomes.find((o) => o.round === 2)!
    expect(round2).toMatchObject({ status: 'completed', selected: 4 })
    expect(round2.participants).toHaveLength(3)
    await expect
      .poll(() => dashboard.getByTestId('event-log').textContent())
      .toContain(`${victimId} dropped from round 2: left`)

    // Wait for every remaining tab's evaluation of the final model, then read what the page shows.
    await waitFor(() => federation.history[3]?.evaluation?.reports === 3, 'evaluations of round 3')
    const final = federation.history[3]!.evaluation!
    await expect
      .poll(() => dashboard.getByTestId('latest-accuracy').textContent())
      .toBe(percent(final.accuracy))
    await expect
      .poll(() => dashboard.getByTestId('majority-rate').textContent())
      .toBe(percent(final.majorityRate))
    const accuracy = await percentOf(dashboard, 'latest-accuracy')
    const majority = await percentOf(dashboard, 'majority-rate')
    expect(accuracy).toBeGreaterThan(majority)
    expect(await dashboard.getByTestId('round-row').count()).toBe(4)

    // The tabs that stayed show the final global model and the federation's accuracy.
    for (const tab of tabs.filter((t) => t !== victim)) {
      await expect.poll(() => tab.getByTestId('global-round').textContent()).toBe('3')
      await expect.poll(() => tab.getByTestId('status').textContent()).toBe('Training finished')
    }
  })
})
