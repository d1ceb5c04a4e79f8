import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { clinicSchema } from '../../examples/example-data'
import { csvTask, csvTaskRequestSchema } from '../../shared/tasks/csv-task'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { overflowing, seriousViolations, tabTo, WIDTH } from '../helpers/accessibility'
import { coordinatorPageFor, useBrowserRig } from '../helpers/browser'

const DEMO_TASK_ID = 'demo-diabetes'

const rig = useBrowserRig({
  tasks: [
    diabetesDemoTask('mlp', 1),
    csvTask(
      'clinic',
      csvTaskRequestSchema.parse({ name: 'Clinic study', schema: clinicSchema, model: { kind: 'mlp' } }),
    ),
  ],
  config: { rounds: 1, minClients: 1, localEpochs: 1 },
})

async function open(url: string): Promise<Page> {
  const context = await rig.browser.newContext({ viewport: { width: WIDTH, height: 900 } })
  const page = await context.newPage()
  await page.goto(url)
  return page
}

describe('accessible pages', () => {
  it('work from the keyboard, fit 1280 px, and pass axe-core with no serious or critical violation', async () => {
    const { coordinator } = rig
    const problems: string[] = []
    const check = async (page: Page, where: string) => {
      problems.push(...(await seriousViolations(page, where)), ...(await overflowing(page, where)))
    }

    // A tab joins the demo task from the keyboard alone.
    const tab = await open(coordinator.clientPageUrl)
    await expect.poll(() => tab.getByTestId(`choose-${DEMO_TASK_ID}`).count()).toBe(1)
    await check(tab, 'task chooser')
    await tabTo(tab, `choose-${DEMO_TASK_ID}`)
    await tab.keyboard.press('Enter')
    await expect.poll(() => tab.getByTestId('client-id').textContent(), { timeout: 20_000 }).toMatch(/\S/)

    // The coordinator page: a setting applied from the keyboard, found by its role and name.
    const dashboard = await open(coordinatorPageFor(coordinator.coordinatorPageUrl, DEMO_TASK_ID))
    const apply = dashboard.getByRole('button', { name: 'Apply settings', exact: true })
    await expect.poll(() => apply.count()).toBe(1)
    await tabTo(dashboard, 'localEpochs')
    await dashboard.keyboard.press('ControlOrMeta+A')
    await dashboard.keyboard.type('2')
    await tabTo(dashboard, 'apply-settings')
    await dashboard.keyboard.press('Enter')
    await expect.poll(() => coordinator.federation.state.config.localEpochs).toBe(2)
    await tabTo(dashboard, 'start')
    await dashboard.keyboard.press('Enter')
    await expect
      .poll(() => dashboard.getByTestId('completed-rounds').textContent(), { timeout: 60_000 })
      .toBe('1')
    // The ledger from the keyboard: open a block, prove one of its transactions.
    await tabTo(dashboard, 'open-block')
    await dashboard.keyboard.press('Enter')
    await tabTo(dashboard, 'prove')
    await dashboard.keyboard.press('Enter')
    await expect.poll(() => dashboard.getByTestId('proof-result').count()).toBe(1)
    await check(dashboard, 'coordinator page')
    await check(tab, 'training tab')
    const watcher = await open(`${coordinator.url}/coordinator`)
    await expect.poll(() => watcher.getByTestId('completed-rounds').textContent()).toBe('1')
    await check(watcher, 'coordinator page without token')

    // The market: a provider lists a CSV (the schema form filled by inference), then every view and the dataset page.
    const market = await open(`${coordinator.url}/market`)
    await market.getByTestId('nav-wallet').click()
    await market.getByTestId('market-claim').click()
    await market.getByTestId('provider-name').fill('Clinic A')
    await market.getByTestId('register-provider').click()
    await expect
      .poll(() => market.getByTestId('market-message').textContent())
      .toBe('register as a provider: done')
    await market.getByTestId('nav-list').click()
    await market.getByTestId('list-file').setInputFiles('examples/clinic-a.csv')
    await expect.poll(() => market.getByTestId('schema-feature-row').count()).toBeGreaterThan(0)
    await check(market, 'market list form')
    await market.getByTestId('list-name').fill('Clinic A visits')
    await market.getByTestId('list-submit').click()
    await expect
      .poll(() => market.getByTestId('market-message').textContent(), { timeout: 30_000 })
      .toMatch(/^listed as ds-/)
    for (const view of ['browse', 'wallet', 'statistics']) {
      await market.getByTestId(`nav-${view}`).click()
      await expect.poll(() => market.getByTestId(`nav-${view}`).getAttribute('aria-current')).toBe('page')
      await check(market, `market ${view}`)
    }
    await market.getByTestId('nav-browse').click()
    await market.getByTestId('open-ds-1').click()
    await expect.poll(() => market.getByTestId('dataset-name').count()).toBe(1)
    await check(market, 'market dataset page')
    expect(problems).toEqual([])
  })
})
