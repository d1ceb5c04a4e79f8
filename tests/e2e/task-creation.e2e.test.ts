import { describe, expect, it } from 'vitest'
import { fitnessSchema } from '../../examples/example-data'
import { openPage, useBrowserRig } from '../helpers/browser'

const rig = useBrowserRig()

describe('creating a task from the coordinator page', () => {
  it('refuses a bad schema with the field named, creates a good one, and tabs can pick it', async () => {
    const { browser, coordinator } = rig
    const page = await openPage(browser, coordinator.coordinatorPageUrl)
    await page.getByTestId('task-name-input').fill('Fitness level')

    const broken = { ...fitnessSchema, label: { name: 'fitness', classes: ['only-one'] } }
    await page.getByTestId('schema-input').fill(JSON.stringify(broken))
    await page.getByTestId('create-task').click()
    await expect
      .poll(() => page.getByTestId('create-problem').textContent())
      .toBe('schema: label "fitness": needs at least 2 classes')

    await page.getByTestId('schema-input').fill('{ not json')
    await page.getByTestId('create-task').click()
    await expect.poll(() => page.getByTestId('create-problem').textContent()).toMatch(/^schema: not JSON/)

    await page.getByTestId('schema-input').fill(JSON.stringify(fitnessSchema))
    await page.getByTestId('create-task').click()
    await expect
      .poll(() => page.getByTestId('create-message').textContent())
      .toBe('created "Fitness level": tabs join at /?task=fitness-level')
    expect(coordinator.tasks.get('fitness-level')?.task.model).toMatchObject({ inputs: 4, classes: 3 })
    await expect.poll(() => page.getByTestId('task-fitness-level').getAttribute('class')).toBe('current')

    // Anyone without the token can watch but not create.
    const watcher = await openPage(browser, `${coordinator.url}/coordinator`)
    await expect.poll(() => watcher.getByTestId('task-fitness-level').count()).toBe(1)
    expect(await watcher.getByTestId('create-task').count()).toBe(0)

    const tab = await openPage(browser, coordinator.clientPageUrl)
    await tab.getByTestId('choose-fitness-level').click()
    await expect.poll(() => tab.getByTestId('csv-input').count(), { timeout: 20_000 }).toBe(1)
    expect(await tab.getByTestId('task-name').textContent()).toBe('Fitness level')
  })
})
