import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { launchChromium } from '../helpers/browser'
import { waitFor } from '../helpers/wait'

const dist = resolve('dist')
let coordinator: Coordinator
let browser: Browser
let dashboard: Page
const tabs: Page[] = []

const percentOf = async (page: Page, testId: string): Promise<number> => {
  const text = (await page.getByTestId(testId).textContent()) ?? ''
  const value = Number.parseFloat(text)
  if (!Number.isFinite(value)) throw new Error(`${testId} shows "${text}", not a percentage`)
  return value / 100
}

beforeAll(async () => {
  if (!existsSync(resolve(dist, 'index.html')))
    throw new Error('no build in dist/: npm test builds it first (vite build)')
  coordinator = await startCoordinator({
    port: 0,
    staticDir: dist,
    config: { rounds: 3, minClients: 3, localEpochs: 40, batchSize: 16, roundDeadlineMs: 60_000 },
  })
  browser = await launchChromium()
  const context = await browser.newContext()
  dashboard = await context.newPage()
  await dashboard.goto(coordinator.coordinatorPageUrl)
  for (const query of ['', '', '', '?backend=cpu']) {
    const tab = await context.newPage()
    await tab.goto(`${coordinator.clientPageUrl}${query}`)
    tabs.push(tab)
  }
})

afterAll(async () => {
  await browser?.close()
  await coordinator?.close()
})

describe('tabs train together in headless Chromium', () => {
  it('each tab joins and says which backend it trains on', async () => {
    await waitFor(
      () => [...coordinator.federation.state.clients.values()].filter((c) => c.ready).length === 4,
      '4 ready tabs',
    )
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
    const state = () => coordinator.federation.state
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
    await waitFor(
      () => coordinator.federation.history[3]?.evaluation?.reports === 3,
      'evaluations of round 3',
    )
    await expect.poll(() => dashboard.getByTestId('latest-accuracy').textContent()).not.toBe('–')
    await new Promise((r) => setTimeout(r, 400))
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
