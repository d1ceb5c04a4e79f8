import { afterAll, describe, expect, it } from 'vitest'
import type { Coordinator } from '../../coordinator/server'
import { approximateSigmoid } from '../../shared/he/sigmoid'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { encodeRawRow, type RawValue } from '../../shared/tasks/feature-encoding'
import { openPage, startServingCoordinator, useBrowserRig } from '../helpers/browser'

const coordinators: Coordinator[] = []
afterAll(async () => {
  for (const c of coordinators) await c.close()
})
const rig = useBrowserRig(null)

/** What the encryption itself may add (README: under 1e-3), plus the card's rounding to 4 decimals. */
const HE_TOLERANCE = 1e-3 + 5e-5

describe('private prediction in real units', () => {
  it('takes age 60, bmi 31, glucose 150 as entered, matches the model in the clear, and refuses age 150', async () => {
    const task = diabetesDemoTask('logistic', 77)
    const coordinator = await startServingCoordinator({
      tasks: [task],
      config: { minClients: 1, rounds: 2, localEpochs: 2 },
    })
    coordinators.push(coordinator)
    const tab = await openPage(rig.browser, coordinator.clientPageUrl)
    await expect
      .poll(() => tab.getByTestId('status').textContent(), { timeout: 60_000 })
      .toMatch(/Waiting for the coordinator to start/)
    coordinator.federation.control('start')
    await expect
      .poll(() => tab.getByTestId('status').textContent(), { timeout: 120_000 })
      .toMatch(/Training finished/)

    // A held-out row of this tab, shown in its own units (age in years), not as the scaled inputs.
    await tab.getByTestId('pick-row').click()
    await expect.poll(() => tab.getByTestId('picked-row').textContent()).toMatch(/Held-out row \d+ of \d+/)
    const age = Number(await tab.getByTestId('feature-0').inputValue())
    expect(age).toBeGreaterThanOrEqual(18)
    expect(age).toBeLessThanOrEqual(90)

    const raw: RawValue[] = [60, 31, 150, 80, 6, 3, false, false]
    for (const [i, value] of raw.entries()) {
      const field = tab.getByTestId(`feature-${i}`)
      if (typeof value === 'boolean') await field.setChecked(value)
      else await field.fill(String(value))
    }
    await tab.getByTestId('predict-privately').click()
    await expect
      .poll(() => tab.getByTestId('encrypted-prediction').textContent(), { timeout: 60_000 })
      .toMatch(/^\d\.\d{4}$/)

    const row = encodeRawRow(task, raw)
    if (!row.ok) throw new Error(JSON.stringify(row.problems))
    const weights = coordinator.federation.global.weights
    const logit = row.value.reduce((s, v, i) => s + v * weights[i]!, weights[row.value.length]!)
    const exact = 1 / (1 + Math.exp(-logit))
    const polynomial = approximateSigmoid(logit, 'cubic-8')
    const shown = {
      encrypted: Number(await tab.getByTestId('encrypted-prediction').textContent()),
      plain: Number(await tab.getByTestId('plain-prediction').textContent()),
      logit: Number(await tab.getByTestId('prediction-logit').textContent()),
      inputs: (await tab.getByTestId('model-inputs').textContent())!.split(', ').map(Number),
    }
    console.info('age 60, bmi 31, glucose 150:', { ...shown, clear: { logit, exact, polynomial } })
    for (const [i, v] of row.value.entries()) expect(Math.abs(shown.inputs[i]! - v)).toBeLessThan(6e-5)
    expect(Math.abs(shown.logit - logit)).toBeLessThan(1e-3)
    expect(Math.abs(shown.plain - exact)).toBeLessThan(6e-5)
    expect(Math.abs(shown.encrypted - polynomial)).toBeLessThan(HE_TOLERANCE)
    expect(shown.encrypted).toBeGreaterThan(0)
    expect(shown.encrypted).toBeLessThan(1.2)

    // Out of range: refused before anything is encrypted, naming the field, and the previous result is gone.
    await tab.getByTestId('feature-0').fill('150')
    await tab.getByTestId('predict-privately').click()
    await expect
      .poll(() => tab.getByTestId('inference-error').textContent())
      .toContain('age: 150 is outside its declared range [18, 90]')
    expect(await tab.getByTestId('inference-result').count()).toBe(0)
    expect(await tab.getByTestId('encrypted-prediction').count()).toBe(0)
  })
})
