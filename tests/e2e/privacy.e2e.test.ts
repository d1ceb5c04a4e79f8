import { describe, expect, it } from 'vitest'
import { computeEpsilon } from '../../shared/privacy/accountant'
import { openTab, openTabs, useBrowserRig } from '../helpers/browser'

const rig = useBrowserRig({ config: { rounds: 4, minClients: 3, localEpochs: 2 } })

describe('differential privacy switched on from the coordinator page', () => {
  it('tabs clip and noise their updates, and the page shows epsilon growing per round, as the accountant computes it', async () => {
    const { browser, coordinator } = rig
    const context = await browser.newContext()
    const tabs = await openTabs(context, Array(3).fill(coordinator.clientPageUrl))
    const page = await openTab(context, coordinator.coordinatorPageUrl)
    await expect
      .poll(() => page.getByTestId('privacy-status').textContent())
      .toMatch(/Differential privacy is off/)

    await page.getByTestId('privacy-mode').selectOption('local')
    await page.locator('px-privacy-panel input[name=noiseMultiplier]').fill('1.5')
    await page.locator('px-privacy-panel input[name=sampleRate]').fill('1')
    await page.locator('px-privacy-panel input[name=epsilonBudget]').fill('40')
    await page.getByTestId('apply-privacy').click()
    await expect
      .poll(() => page.getByTestId('privacy-message').textContent())
      .toBe('settings applied from the next round')
    await expect
      .poll(() => page.getByTestId('privacy-status').textContent())
      .toMatch(/Epsilon against the public: 0\.000[\s\S]*0\.000 of the budget 40/)

    await expect.poll(() => page.getByTestId('client-count').textContent(), { timeout: 30_000 }).toBe('3')
    await page.getByTestId('start').click()
    await expect
      .poll(() => page.getByTestId('completed-rounds').textContent(), { timeout: 120_000 })
      .toBe('4')

    const expected = [1, 2, 3, 4].map((steps) =>
      computeEpsilon({ sampleRate: 1, noiseMultiplier: 1.5, steps, delta: 1e-5 }).epsilon.toFixed(3),
    )
    // The rounds table lists the newest round first; round 0 (the initial model) has no epsilon.
    await expect
      .poll(() => page.getByTestId('round-epsilon').allTextContents())
      .toEqual([...expected].reverse().concat('–'))
    expect(await page.getByTestId('epsilon-spent').textContent()).toBe(expected[3])
    // Against the public: q = 1 here, so every tab took part in all 4 rounds and the two figures agree.
    expect(await page.getByTestId('public-epsilon').textContent()).toBe(expected[3])

    // Every tab shows its own: in local mode, with everyone in every round, the same numbers.
    for (const tab of tabs) {
      await expect.poll(() => tab.getByTestId('own-epsilon').textContent()).toBe(expected[3])
      expect(await tab.getByTestId('released-epsilon').textContent()).toBe(expected[3])
      expect(await tab.getByTestId('public-epsilon').textContent()).toBe(expected[3])
    }
  })
})
