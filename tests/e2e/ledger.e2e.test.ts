import { describe, expect, it } from 'vitest'
import { openPage, openTab, openTabs, useBrowserRig } from '../helpers/browser'
import { RawSocketIo } from '../helpers/raw-socket-io'

const rig = useBrowserRig({ config: { rounds: 2, minClients: 3, localEpochs: 1 } })

describe('the chain explorer on the coordinator page', () => {
  it('shows a block per round, verifies the chain, and proves a transaction is included', async () => {
    const { browser, coordinator } = rig
    const context = await browser.newContext()
    await openTabs(context, Array(3).fill(coordinator.clientPageUrl))
    const page = await openTab(context, coordinator.coordinatorPageUrl)
    await expect.poll(() => page.getByTestId('client-count').textContent(), { timeout: 30_000 }).toBe('3')
    await page.getByTestId('start').click()
    await expect.poll(() => page.getByTestId('completed-rounds').textContent(), { timeout: 60_000 }).toBe('2')

    // genesis, the task's registration, one block per round.
    await expect.poll(() => page.getByTestId('chain-height').textContent()).toBe('4')
    expect(await page.getByTestId('chain-round').count()).toBe(2)
    // Tabs of one browser profile share one account: the record lists it for each of the three tabs.
    expect(coordinator.chain.state.rounds.at(1)!.participants).toHaveLength(3)

    await page.getByTestId('verify-chain').click()
    await expect
      .poll(() => page.getByTestId('chain-verdict').textContent())
      .toMatch(/^valid: all 4 blocks check out \(each verified as it was added/)
    // With the control token, a full re-verification from storage (at most one a minute).
    await page.getByTestId('reverify-chain').click()
    await expect.poll(() => page.getByTestId('chain-verdict').textContent()).toMatch(/^valid: all 4 blocks/)

    await page.getByTestId('block-row').first().click()
    await page.getByTestId('prove').first().click()
    await expect
      .poll(() => page.getByTestId('proof-result').textContent())
      .toMatch(/^✓ included in block 3: leaf 0 of 1/)
  })

  it('shows what the coordinator refused, by reason', async () => {
    const { browser, coordinator } = rig
    const page = await openPage(browser, coordinator.coordinatorPageUrl)
    const hostile = await RawSocketIo.connect(coordinator.url)
    hostile.emit('no-such-event', {})
    hostile.emit(42, {})
    await expect
      .poll(() => page.locator('px-refusals [data-reason="unknown-event"] td.count').textContent(), {
        timeout: 10_000,
      })
      .toBe('1')
    await expect
      .poll(() => page.locator('px-refusals [data-reason="bad-event-name"]').textContent())
      .toMatch(/not a string/)
    hostile.close()
  })
})
