import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { percent } from '../../client/components/format'
import { clinicCsv, clinicSchema } from '../../examples/example-data'
import { csvTask, csvTaskRequestSchema } from '../../shared/tasks/csv-task'
import { coordinatorPageFor, openPage, useBrowserRig } from '../helpers/browser'
import { readyCount } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

/** A string that exists only in the first clinic's file, in every row, and a value written only there. */
const CANARY = `PRIVX-CANARY-${crypto.randomUUID()}`
const CANARY_VALUE = '77.7712345'

/** The canary as it would look raw, in base64 (at every byte alignment) or hex. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret)
  const b64 = [0, 1, 2].map((skip) => Buffer.from(bytes.subarray(skip)).toString('base64').slice(4, -4))
  return [secret, ...b64, bytes.toString('hex')]
}

function leaks(haystack: string | Buffer): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1')
  const hex = typeof haystack === 'string' ? '' : haystack.toString('hex')
  return [CANARY, CANARY_VALUE].flatMap((secret) =>
    encodings(secret).filter((form) => text.includes(form) || hex.includes(form)),
  )
}

const sent: (string | Buffer)[] = []
const consoleLines: string[] = []
const originalLog = console.log

// Registered before the rig, so the coordinator's echoed events are captured from its start.
beforeAll(() => {
  console.log = (...args: unknown[]) => {
    consoleLines.push(args.map(String).join(' '))
    originalLog(...args)
  }
})
afterAll(() => {
  console.log = originalLog
})

const rig = useBrowserRig({
  tasks: [
    csvTask(
      'clinic',
      csvTaskRequestSchema.parse({ name: 'Clinic study', schema: clinicSchema, model: { kind: 'mlp' } }),
    ),
  ],
  echoEvents: true,
  config: { rounds: 3, minClients: 3, localEpochs: 8, learningRate: 0.03 },
})

/** A tab in its own browser context whose every websocket frame it sends is recorded. */
function openTab(query: string): Promise<Page> {
  return openPage(rig.browser, `${rig.coordinator.clientPageUrl}${query}`, (page) =>
    page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => sent.push(payload))),
  )
}

describe('three tabs train on their own CSVs; rows never leave a tab', () => {
  it('uploads through the file input, reports, joins, trains 3 rounds, beats the majority class, and leaks nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'privx-csv-'))
    const files = [
      clinicCsv({
        seed: 11,
        rows: 400,
        positiveShare: 0.15,
        notes: (row) => (row === 1 ? `${CANARY} ${CANARY_VALUE}` : CANARY),
      }),
      clinicCsv({ seed: 12, rows: 300, positiveShare: 0.5 }),
      clinicCsv({ seed: 13, rows: 350, positiveShare: 0.3 }),
    ].map((text, i) => {
      const path = join(dir, `clinic-${i}.csv`)
      writeFileSync(path, text)
      return path
    })
    const binary = join(dir, 'photo.png')
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 73, 72, 68, 82]))

    const tabs = await Promise.all([0, 1, 2].map(() => openTab('?task=clinic')))
    // A file that is not CSV gets a clear message and no join button.
    await tabs[0]!.getByTestId('csv-input').setInputFiles(binary)
    await expect
      .poll(() => tabs[0]!.getByTestId('csv-fatal').textContent(), { timeout: 20_000 })
      .toMatch(/not CSV text/)
    expect(await tabs[0]!.getByTestId('join').count()).toBe(0)

    for (const [i, tab] of tabs.entries()) {
      await tab.getByTestId('csv-input').setInputFiles(files[i]!)
      await expect
        .poll(() => tab.getByTestId('csv-summary').textContent(), { timeout: 20_000 })
        .toMatch(/rows are valid/)
      await tab.getByTestId('join').click()
    }
    expect(await tabs[0]!.getByTestId('csv-summary').count()).toBe(0)
    const { coordinator, browser } = rig
    const federation = coordinator.federation
    await waitFor(() => readyCount(federation) === 3, '3 ready tabs', 30_000)
    expect([...federation.state.clients.values()].map((c) => c.examples).sort((a, b) => a - b)).toEqual([
      240, 280, 320,
    ])

    const dashboard = await openPage(browser, coordinatorPageFor(coordinator.coordinatorPageUrl, 'clinic'))
    await dashboard.getByTestId('start').click()
    await expect
      .poll(() => dashboard.getByTestId('completed-rounds').textContent(), { timeout: 120_000 })
      .toBe('3')
    await waitFor(() => federation.history[3]?.evaluation?.reports === 3, 'evaluations of round 3')
    const final = federation.history[3]!.evaluation!
    await expect
      .poll(() => dashboard.getByTestId('latest-accuracy').textContent())
      .toBe(percent(final.accuracy))
    await expect
      .poll(() => dashboard.getByTestId('majority-rate').textContent())
      .toBe(percent(final.majorityRate))
    const accuracy =
      Number.parseFloat((await dashboard.getByTestId('latest-accuracy').textContent()) ?? '') / 100
    const majority =
      Number.parseFloat((await dashboard.getByTestId('majority-rate').textContent()) ?? '') / 100
    expect(accuracy).toBeGreaterThan(majority)

    // The proof: the canary is in the first tab's file, and in nothing that left any tab or that the coordinator holds.
    // DP column statistics from every tab, requested on the page (their frames are searched below too).
    // Within a tab's own limit of epsilon 2 a request (`statistics-budget.ts`): a larger request is refused.
    await dashboard.getByTestId('statistics-epsilon').fill('2')
    await dashboard.getByTestId('collect-statistics').click()
    await expect
      .poll(() => dashboard.getByTestId('statistics-table').locator('tbody tr').count(), { timeout: 20_000 })
      .toBe(6)
    await waitFor(() => federation.snapshot(false).statistics?.reports === 3, 'statistics from the 3 tabs')

    // The detector itself: it finds the canary in the file, and in base64 (any alignment) and hex forms of it.
    expect(leaks(readFileSync(files[0]!))).not.toEqual([])
    for (const prefix of ['', 'x', 'xy'])
      expect(leaks(Buffer.from(`${prefix}${CANARY}`).toString('base64'))).not.toEqual([])
    expect(leaks(Buffer.from(CANARY).toString('hex'))).not.toEqual([])
    expect(leaks(Buffer.from(`{"v":"${CANARY_VALUE}"}`))).not.toEqual([])
    expect(sent.length).toBeGreaterThan(50)
    expect(sent.some((frame) => typeof frame !== 'string')).toBe(true)
    expect(sent.flatMap(leaks)).toEqual([])
    expect(consoleLines.length).toBeGreaterThan(5)
    expect(consoleLines.flatMap(leaks)).toEqual([])
    const stored = JSON.stringify({
      snapshot: federation.snapshot(true, coordinator.tasks.summaries(), coordinator.log.entries),
      listings: coordinator.tasks.listings(),
      state: { ...federation.state, clients: [...federation.state.clients.values()] },
      history: federation.history,
    })
    expect(leaks(stored)).toEqual([])
    expect(leaks(Buffer.from(federation.global.weights.buffer))).toEqual([])
  })
})
