import { afterAll, describe, expect, it } from 'vitest'
import type { Coordinator } from '../../coordinator/server'
import { openTab, openTabs, startServingCoordinator, useBrowserRig } from '../helpers/browser'

const coordinators: Coordinator[] = []
afterAll(async () => {
  for (const c of coordinators) await c.close()
})
const rig = useBrowserRig(null)

describe('a tab opened after encrypted rounds', () => {
  it.each([30, 200])(
    'after %i BFV rounds: gets the key, replays a checkpoint and reaches the same weights, bit for bit, then trains',
    async (rounds) => {
      const coordinator = await startServingCoordinator({
        tickMs: 100,
        config: {
          rounds,
          minClients: 2,
          localEpochs: 1,
          roundDeadlineMs: 60_000,
          encryption: { mode: 'bfv', clamp: 4 },
        },
      })
      coordinators.push(coordinator)
      const federation = coordinator.federation
      const context = await rig.browser.newContext()
      const tabs = await openTabs(context, Array(2).fill(coordinator.clientPageUrl))
      await expect.poll(() => federation.custody.holders, { timeout: 60_000 }).toBe(2)
      expect(federation.control('start').ok).toBe(true)
      await expect
        .poll(() => federation.state.completedRounds, { timeout: 300_000, interval: 1000 })
        .toBe(rounds)
      await expect
        .poll(() => federation.snapshot(false).encryption.checkpointRound, { timeout: 30_000 })
        .toBe(rounds)
      // The live page says what a joining tab replays.
      const page = await openTab(context, coordinator.coordinatorPageUrl)
      await expect
        .poll(async () => (await page.getByTestId('replay-state').textContent())?.replace(/\s+/g, ' ').trim())
        .toMatch(new RegExp(`replays the checkpoint of round ${rounds} .* and 0 encrypted aggregate`))
      const digests = async () => Promise.all(tabs.map((t) => t.getByTestId('model-digest').textContent()))
      await expect.poll(async () => new Set(await digests()).size, { timeout: 30_000 }).toBe(1)
      const [digest] = await digests()

      const opened = Date.now()
      const late = await openTab(context, coordinator.clientPageUrl)
      await expect
        .poll(() => late.getByTestId('model-digest').textContent(), { timeout: 60_000 })
        .toBe(digest)
      const pageToModel = ((Date.now() - opened) / 1000).toFixed(1)
      expect(await late.getByTestId('he-key').textContent()).toMatch(/received sealed from another tab/)
      const activity = await late.locator('.notices').textContent()
      expect(activity).not.toMatch(/parse error|failed|no answer/)
      const caughtUp = new RegExp(
        `caught up with the encrypted model at round ${rounds}: the checkpoint of round ${rounds} and 0 aggregate\\(s\\), read in 1 part\\(s\\), ([\\d.]+) s after joining`,
      ).exec(activity ?? '')
      expect(caughtUp).not.toBeNull()
      console.log(
        `late join after ${rounds} encrypted rounds (Chromium): caught up ${caughtUp![1]} s after joining, ${pageToModel} s from opening the page`,
      )
      // One name: it did not reconnect.
      expect(federation.state.clients.size).toBe(3)

      // And it trains the next round with the others, from the same model.
      expect(federation.configure({ rounds: rounds + 1 }).ok).toBe(true)
      expect(federation.control('start').ok).toBe(true)
      await expect.poll(() => federation.state.completedRounds, { timeout: 60_000 }).toBe(rounds + 1)
      expect(federation.history.at(-1)!.participants).toBe(3)
      await expect
        .poll(
          async () =>
            new Set(
              await Promise.all([...tabs, late].map((t) => t.getByTestId('model-digest').textContent())),
            ).size,
          { timeout: 30_000 },
        )
        .toBe(1)
    },
    420_000,
  )
})
