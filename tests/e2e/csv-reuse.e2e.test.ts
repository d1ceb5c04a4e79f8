import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { clinicCsv, clinicSchema } from '../../examples/example-data'
import { csvTask, csvTaskRequestSchema } from '../../shared/tasks/csv-task'
import { launchChromium } from '../helpers/browser'
import { waitFor } from '../helpers/wait'

let coordinator: Coordinator
let browser: Browser
let file: string

beforeAll(async () => {
  const task = csvTask(
    'clinic',
    csvTaskRequestSchema.parse({ name: 'Clinic study', schema: clinicSchema, model: { kind: 'mlp' } }),
  )
  coordinator = await startCoordinator({ port: 0, staticDir: resolve('dist'), tasks: [task] })
  browser = await launchChromium()
  file = join(mkdtempSync(join(tmpdir(), 'privx-reuse-')), 'clinic-a.csv')
  writeFileSync(file, clinicCsv({ seed: 5, rows: 400, positiveShare: 0.3 }))
})

afterAll(async () => {
  await browser?.close()
  await coordinator?.close()
})

const readyCount = () => [...coordinator.federation.state.clients.values()].filter((c) => c.ready).length

async function loadAndJoin(tab: Page, remember: boolean): Promise<void> {
  await tab.getByTestId('csv-input').setInputFiles(file)
  await expect
    .poll(() => tab.getByTestId('csv-summary').textContent(), { timeout: 20_000 })
    .toMatch(/400 of 400 rows are valid/)
  if (remember) await tab.getByTestId('remember').check()
  await tab.getByTestId('join').click()
}

describe('a tab keeps its CSV rows in the browser only with consent', () => {
  it('reuses saved rows after a reload, forgets them on request, and saves nothing without consent', async () => {
    const tab = await (await browser.newContext()).newPage()
    await tab.goto(`${coordinator.clientPageUrl}?task=clinic`)
    await loadAndJoin(tab, true)
    await waitFor(() => readyCount() === 1, 'the tab to join')

    await tab.reload()
    await expect
      .poll(() => tab.getByTestId('saved-rows').textContent(), { timeout: 20_000 })
      .toMatch(/kept 400 rows from clinic-a\.csv/)
    await tab.getByTestId('use-saved').click()
    await expect.poll(() => tab.getByTestId('csv-summary').textContent()).toMatch(/400 of 400 rows are valid/)
    await tab.getByTestId('join').click()
    await waitFor(
      () => readyCount() === 1 && coordinator.federation.state.clients.has('tab-2'),
      'the reloaded tab to join again',
    )
    expect(coordinator.federation.state.clients.get('tab-2')?.examples).toBe(320)

    await tab.reload()
    await tab.getByTestId('forget-saved').click()
    await expect.poll(() => tab.getByTestId('saved-rows').count()).toBe(0)
    await tab.reload()
    await expect.poll(() => tab.getByTestId('csv-input').count(), { timeout: 20_000 }).toBe(1)
    await new Promise((r) => setTimeout(r, 500))
    expect(await tab.getByTestId('saved-rows').count()).toBe(0)

    const other = await (await browser.newContext()).newPage()
    await other.goto(`${coordinator.clientPageUrl}?task=clinic`)
    await loadAndJoin(other, false)
    await other.reload()
    await expect.poll(() => other.getByTestId('csv-input').count(), { timeout: 20_000 }).toBe(1)
    await new Promise((r) => setTimeout(r, 500))
    expect(await other.getByTestId('saved-rows').count()).toBe(0)
  })
})
