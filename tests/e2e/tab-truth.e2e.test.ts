import { afterAll, describe, expect, it } from 'vitest'
import type { Coordinator } from '../../coordinator/server'
import { computeEpsilon } from '../../shared/privacy/accountant'
import { defaultPrivacyConfig } from '../../shared/rounds/config'
import { openTab, openTabs, startServingCoordinator, useBrowserRig } from '../helpers/browser'

const coordinators: Coordinator[] = []
afterAll(async () => {
  for (const c of coordinators) await c.close()
})
const rig = useBrowserRig(null)

const localDp = {
  ...defaultPrivacyConfig,
  mode: 'local' as const,
  noiseMultiplier: 1,
  clipNorm: 1,
  epsilonBudget: 1000,
}

describe('what a tab shows is what applies to its uploads', () => {
  it('encryption and DP on, then a reset (fresh key), then both off: every tab says so within a round; a budget stop reads "stopped" everywhere', async () => {
    const coordinator = await startServingCoordinator({
      tickMs: 100,
      config: {
        rounds: 1,
        minClients: 2,
        localEpochs: 1,
        privacy: localDp,
        encryption: { mode: 'bfv', clamp: 4 },
      },
    })
    coordinators.push(coordinator)
    const federation = coordinator.federation
    const context = await rig.browser.newContext()
    const tabs = await openTabs(context, Array(2).fill(coordinator.clientPageUrl))
    const page = await openTab(context, coordinator.coordinatorPageUrl)
    const text = (tab: (typeof tabs)[number], id: string) => tab.getByTestId(id).textContent()
    const everyTab = async (id: string, expected: RegExp | string) => {
      for (const tab of tabs) {
        const poll = expect.poll(() => text(tab, id), { timeout: 30_000 })
        await (typeof expected === 'string' ? poll.toBe(expected) : poll.toMatch(expected))
      }
    }
    await expect.poll(() => federation.custody.holders, { timeout: 60_000 }).toBe(2)
    const firstKey = federation.custody.keyId!
    await everyTab('he-status', 'on')
    await everyTab('dp-status', 'local')
    await everyTab('he-next', `encrypted under key ${firstKey}`)
    await everyTab('he-last', 'none sent yet')
    // The signed envelope keys' fingerprint, to compare out of band: the same in every honest tab.
    await everyTab('key-fingerprint', /^[0-9a-f]{4}( [0-9a-f]{4}){4}$/)
    const fingerprints = await Promise.all(tabs.map((tab) => text(tab, 'key-fingerprint')))
    expect(new Set(fingerprints).size).toBe(1)

    // One round under both: the last upload says what it carried.
    expect(federation.control('start').ok).toBe(true)
    await expect.poll(() => federation.state.completedRounds, { timeout: 60_000 }).toBe(1)
    await everyTab('he-last', `round 1: encrypted (bfv-8192, key ${firstKey})`)
    await everyTab('dp-last', /^round 1: clipped to 1, Gaussian noise std 1\.00 \(local\)$/)
    await everyTab('status', 'Training finished')

    // A reset makes a fresh key: a tab generates it, the other receives it, both show it.
    expect(federation.control('reset').ok).toBe(true)
    await expect.poll(() => federation.custody.holders, { timeout: 60_000 }).toBe(2)
    const secondKey = federation.custody.keyId!
    expect(secondKey).not.toBe(firstKey)
    await everyTab('he-key', new RegExp(`^${secondKey} `))
    await everyTab('he-next', `encrypted under key ${secondKey}`)

    // Both switched off: every tab says off before the next round, and the next upload goes in the clear.
    expect(
      federation.configure({ encryption: { mode: 'off', clamp: 4 }, privacy: { ...localDp, mode: 'off' } })
        .ok,
    ).toBe(true)
    await everyTab('he-status', 'off')
    await everyTab('he-next', 'in the clear: encryption is off for this task')
    await everyTab('dp-status', 'off')
    await everyTab('dp-next', 'no noise: differential privacy is off for this task')
    // Weaker than what the tabs joined under: each refuses such rounds until its person accepts (`round-guard.ts`).
    await everyTab('weaker-pending', /encryption off; differential privacy off/)
    for (const tab of tabs) await tab.getByTestId('accept-weaker').click()
    await everyTab('protection-floor', 'in the clear')
    expect(federation.control('start').ok).toBe(true)
    await expect.poll(() => federation.state.completedRounds, { timeout: 60_000 }).toBe(1)
    await everyTab('he-last', /^round \d+: in the clear$/)
    await everyTab('dp-last', /^round \d+: no noise$/)

    // DP back on with a budget that one more round fits and a second does not: training stops on its own.
    const epsilonAfter = (steps: number) =>
      computeEpsilon({ sampleRate: 1, noiseMultiplier: 1, steps, delta: localDp.delta }).epsilon
    const budget = (epsilonAfter(1) + epsilonAfter(2)) / 2
    expect(federation.control('reset').ok).toBe(true)
    expect(
      federation.configure({
        rounds: 5,
        encryption: { mode: 'off', clamp: 4 },
        privacy: { ...localDp, epsilonBudget: budget },
      }).ok,
    ).toBe(true)
    expect(federation.control('start').ok).toBe(true)
    await expect.poll(() => federation.snapshot(false).phase, { timeout: 60_000 }).toBe('stopped')
    expect(federation.state.completedRounds).toBe(1)
    await everyTab('status', 'Stopped: privacy budget reached')
    await everyTab(
      'stopped-reason',
      /^the privacy budget is spent: epsilon [\d.]+ so far, the next round would reach [\d.]+ > [\d.]+/,
    )
    await expect.poll(() => page.getByTestId('phase').textContent()).toBe('stopped: budget reached')
    expect(await page.getByTestId('stopped-reason').textContent()).toMatch(/^the privacy budget is spent/)
  }, 240_000)
})
