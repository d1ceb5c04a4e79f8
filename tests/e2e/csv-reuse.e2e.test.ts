import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { clinicCsv, clinicSchema } from '../../examples/example-data'
import { csvTask, csvTaskRequestSchema } from '../../shared/tasks/csv-task'
import { keptInBrowser, openPage, useBrowserRig } from '../helpers/browser'
import { readyCount } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const rig = useBrowserRig({
  tasks: [
    csvTask(
      'clinic',
      csvTaskRequestSchema.parse({ name: 'Clinic study', schema: clinicSchema, model: { kind: 'mlp' } }),
    ),
  ],
})
/** Where a tab keeps the rows of task "clinic" when the person lets it (`client/data/csv/saved-rows.ts`). */
const SAVED_KEY = 'privx:csv:clinic'
let file: string

beforeAll(() => {
  file = join(mkdtempSync(join(tmpdir(), 'privx-reuse-')), 'clinic-a.csv')
  writeFileSync(file, clinicCsv({ seed: 5, rows: 400, positiveShare: 0.3 }))
})

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
    const { browser, coordinator } = rig
    const federation = coordinator.federation
    const tab = await openPage(browser, `${coordinator.clientPageUrl}?task=clinic`)
    await loadAndJoin(tab, true)
    await waitFor(() => readyCount(federation) === 1, 'the tab to join')
    expect(await keptInBrowser(tab, SAVED_KEY)).toBe(true)

    await tab.reload()
    await expect
      .poll(() => tab.getByTestId('saved-rows').textContent(), { timeout: 20_000 })
      .toMatch(/kept 400 rows from clinic-a\.csv/)
    await tab.getByTestId('use-saved').click()
    await expect.poll(() => tab.getByTestId('csv-summary').textContent()).toMatch(/400 of 400 rows are valid/)
    await tab.getByTestId('join').click()
    await waitFor(
      () => readyCount(federation) === 1 && federation.state.clients.has('tab-2'),
      'the reloaded tab to join again',
    )
    expect(federation.state.clients.get('tab-2')?.examples).toBe(320)

    // Forgotten: the rows leave the browser's storage, so a reload has nothing to offer.
    await tab.reload()
    await tab.getByTestId('forget-saved').click()
    await expect.poll(() => tab.getByTestId('saved-rows').count()).toBe(0)
    expect(await keptInBrowser(tab, SAVED_KEY)).toBe(false)
    await tab.reload()
    await expect.poll(() => tab.getByTestId('csv-input').count(), { timeout: 20_000 }).toBe(1)
    expect(await tab.getByTestId('saved-rows').count()).toBe(0)

    // Without consent nothing is kept: a tab saves before it joins, so once it has joined there is nothing stored.
    const other = await openPage(browser, `${coordinator.clientPageUrl}?task=clinic`)
    await loadAndJoin(other, false)
    await expect
      .poll(() => other.getByTestId('client-id').textContent(), { timeout: 20_000 })
      .toMatch(/^tab-/)
    const otherId = (await other.getByTestId('client-id').textContent())!
    await waitFor(() => federation.state.clients.get(otherId)?.ready === true, 'the other tab to join')
    expect(await keptInBrowser(other, SAVED_KEY)).toBe(false)
    await other.reload()
    await expect.poll(() => other.getByTestId('csv-input').count(), { timeout: 20_000 }).toBe(1)
    expect(await other.getByTestId('saved-rows').count()).toBe(0)
  })
})
