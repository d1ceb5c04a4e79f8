import { afterAll, describe, expect, it } from 'vitest'
import type { Coordinator } from '../../coordinator/server'
import { SIGMOID_APPROXIMATIONS } from '../../shared/he/sigmoid'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { openPage, openTab, openTabs, startServingCoordinator, useBrowserRig } from '../helpers/browser'

/** Each test starts its own coordinator, closed after the browser (hooks after tests run last-registered first). */
const coordinators: Coordinator[] = []
afterAll(async () => {
  for (const c of coordinators) await c.close()
})
const rig = useBrowserRig(null)

describe('homomorphic encryption in the tabs', () => {
  it('switched on from the coordinator page: 3 tabs share the key, 2 encrypted rounds, the model still improves', async () => {
    const coordinator = await startServingCoordinator({
      config: { rounds: 2, minClients: 3, localEpochs: 2 },
    })
    coordinators.push(coordinator)
    const context = await rig.browser.newContext()
    const tabs = await openTabs(context, Array(3).fill(coordinator.clientPageUrl))
    const page = await openTab(context, coordinator.coordinatorPageUrl)
    await expect.poll(() => page.getByTestId('client-count').textContent(), { timeout: 30_000 }).toBe('3')
    await expect.poll(() => page.getByTestId('encryption-status').textContent()).toMatch(/Encryption is off/)

    await page.getByTestId('encryption-select').selectOption('bfv')
    await page.getByTestId('apply-encryption').click()
    await expect
      .poll(() => page.getByTestId('encryption-message').textContent())
      .toBe('settings applied from the next round')
    // One tab generates the key; the other two receive it sealed through the coordinator.
    await expect.poll(() => page.getByTestId('key-holders').textContent(), { timeout: 60_000 }).toBe('3')
    for (const tab of tabs) await expect.poll(() => tab.getByTestId('he-status').textContent()).toBe('on')

    await page.getByTestId('start').click()
    await expect
      .poll(() => page.getByTestId('completed-rounds').textContent(), { timeout: 120_000 })
      .toBe('2')
    const ciphertextCells = await page.getByTestId('round-ciphertext').allTextContents()
    expect(ciphertextCells.filter((t) => /^[0-9a-f]{10} \d+ kB in$/.test(t.trim()))).toHaveLength(2)

    const federation = coordinator.federation
    expect(federation.modelInClear).toBe(false)
    await expect.poll(() => federation.history[2]?.evaluation?.reports ?? 0, { timeout: 30_000 }).toBe(3)
    const first = federation.history[0]!.evaluation!
    const last = federation.history[2]!.evaluation!
    expect(last.loss).toBeLessThan(first.loss)
    expect(last.accuracy).toBeGreaterThan(first.accuracy)

    for (const tab of tabs) {
      await expect.poll(() => tab.getByTestId('he-rounds').textContent()).toBe('2')
      await expect
        .poll(() => tab.getByTestId('he-cost').textContent())
        .toMatch(/encrypt \d+ ms, decrypt \d+ ms; \d+ kB up, \d+ kB down/)
    }
  })

  it('private prediction: a tab picks one of its rows and gets the prediction computed on it encrypted', async () => {
    const coordinator = await startServingCoordinator({
      tasks: [diabetesDemoTask('logistic', 77)],
      config: { minClients: 1 },
    })
    coordinators.push(coordinator)
    const tab = await openPage(rig.browser, coordinator.clientPageUrl)
    await expect
      .poll(() => tab.getByTestId('status').textContent(), { timeout: 60_000 })
      .toMatch(/Waiting for the coordinator to start/)
    await tab.getByTestId('pick-row').click()
    await expect.poll(() => tab.getByTestId('picked-row').textContent()).toMatch(/Held-out row \d+ of \d+/)
    await tab.getByTestId('predict-privately').click()
    await expect
      .poll(() => tab.getByTestId('encrypted-prediction').textContent(), { timeout: 60_000 })
      .toMatch(/^0\.\d{4}$/)
    const difference = Number(await tab.getByTestId('prediction-difference').textContent())
    expect(difference).toBeLessThan(SIGMOID_APPROXIMATIONS['cubic-8'].maxError)
    const plain = Number(await tab.getByTestId('plain-prediction').textContent())
    expect(plain).toBeGreaterThan(0)
  })
})
