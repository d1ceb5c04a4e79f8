import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { openPage, useBrowserRig } from '../helpers/browser'

const rig = useBrowserRig({ faucetAmount: 200 })
const dialogs: string[] = []

/** A person with their own browser profile (their own account key), on the market page. */
async function person(): Promise<Page> {
  const page = await openPage(rig.browser, `${rig.coordinator.url}/market`, (page) =>
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    }),
  )
  await page.getByTestId('nav-wallet').click()
  await page.getByTestId('market-claim').click()
  await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('200')
  return page
}

const message = (page: Page) => page.getByTestId('market-message').textContent()

describe('the market page in headless Chromium', () => {
  it('a provider lists from a CSV; a buyer searches, buys a copy and rates it; text stays text', async () => {
    const provider = await person()
    await provider.getByTestId('provider-name').fill('<img src=x onerror=alert(1)>Clinic A')
    await provider.getByTestId('register-provider').click()
    await expect.poll(() => message(provider)).toBe('register as a provider: done')

    await provider.getByTestId('nav-list').click()
    await provider.getByTestId('list-file').setInputFiles(resolve('examples/clinic-a.csv'))
    await provider.getByTestId('list-name').fill('<b>Clinic A</b> visits')
    await provider.getByTestId('list-category').selectOption('medical')
    await provider.getByTestId('list-tags').fill('diabetes, clinic')
    await provider.getByTestId('list-description').fill('Outpatient visits with a diabetes outcome')
    await provider.getByTestId('list-schema').fill(readFileSync('examples/clinic-schema.json', 'utf8'))
    await provider.getByTestId('list-submit').click()
    await expect.poll(() => message(provider), { timeout: 30_000 }).toMatch(/^listed as ds-1 \(\d+ rows/)

    const buyer = await person()
    await buyer.getByTestId('consumer-name').fill('Buyer Labs')
    await buyer.getByTestId('register-consumer').click()
    await expect.poll(() => message(buyer)).toBe('register as a consumer: done')
    await buyer.getByTestId('nav-browse').click()
    await buyer.getByTestId('search-text').fill('diabetes clinic')
    await buyer.getByTestId('search-category').selectOption('medical')
    await buyer.getByTestId('search-submit').click()
    await expect.poll(() => buyer.getByTestId('search-total').textContent()).toBe('1 datasets')
    await buyer.getByTestId('open-ds-1').click()
    // Names from users are shown as text: the markup is visible, no element is made from it.
    await expect.poll(() => buyer.getByTestId('dataset-name').textContent()).toBe('<b>Clinic A</b> visits')
    expect(await buyer.getByTestId('dataset-name').locator('b').count()).toBe(0)
    expect(await buyer.getByTestId('dataset-provider').textContent()).toContain(
      '<img src=x onerror=alert(1)>Clinic A',
    )
    await buyer.getByTestId('buy-copy').click()
    await expect.poll(() => message(buyer)).toBe('buy an anonymized copy: done')

    await provider.getByTestId('nav-wallet').click()
    await expect.poll(() => provider.getByTestId('sale-status').textContent()).toBe('pending')
    await provider.getByTestId('deliver').click()
    await expect
      .poll(() => provider.getByTestId('sale-status').textContent(), { timeout: 30_000 })
      .toBe('delivered')

    await buyer.getByTestId('nav-wallet').click()
    await expect.poll(() => buyer.getByTestId('purchase-status').textContent()).toBe('delivered')
    await buyer.getByTestId('open-copy').click()
    await expect
      .poll(() => buyer.getByTestId('copy-download').textContent())
      .toMatch(/^Download \(\d+ rows\)$/)
    await buyer.getByTestId('rate-stars').selectOption('4')
    await buyer.getByTestId('rate-comment').fill('<script>alert(2)</script> useful')
    await buyer.getByTestId('rate-submit').click()
    await expect.poll(() => message(buyer)).toBe('rate: done')

    await buyer.getByTestId('nav-browse').click()
    await buyer.getByTestId('open-ds-1').click()
    await expect
      .poll(() => buyer.getByTestId('rating-comment').textContent())
      .toBe('<script>alert(2)</script> useful')
    await buyer.getByTestId('nav-statistics').click()
    await expect
      .poll(() => buyer.getByTestId('market-totals').textContent())
      .toMatch(
        /1 datasets \(1 listed\) · 1 providers · 1 consumers · 1 purchases · volume 20 tokens · 1 ratings/,
      )
    expect(await provider.getByTestId('market-balance').textContent()).toBe('220 tokens')
    expect(dialogs).toEqual([])
  })

  it("training access from the pages: bought, trained in the provider's own tab on its CSV, model delivered", async () => {
    const provider = await person()
    await provider.getByTestId('provider-name').fill('Fitness club')
    await provider.getByTestId('register-provider').click()
    await expect.poll(() => message(provider)).toBe('register as a provider: done')
    await provider.getByTestId('nav-list').click()
    await provider.getByTestId('list-file').setInputFiles(resolve('examples/clinic-b.csv'))
    await provider.getByTestId('list-name').fill('Clinic B visits')
    await provider.getByTestId('list-schema').fill(readFileSync('examples/clinic-schema.json', 'utf8'))
    await provider.locator('px-market-list input[name=trainingRounds]').fill('2')
    await provider.getByTestId('list-submit').click()
    await expect.poll(() => message(provider), { timeout: 30_000 }).toMatch(/^listed as ds-2 /)

    const buyer = await person()
    await buyer.getByTestId('consumer-name').fill('Model buyer')
    await buyer.getByTestId('register-consumer').click()
    await expect.poll(() => message(buyer)).toBe('register as a consumer: done')
    await buyer.goto(`${rig.coordinator.url}/market#ds-2`)
    await buyer.getByTestId('buy-training').click()
    await expect.poll(() => message(buyer)).toBe('buy training access: done')

    // The provider follows its sale's link to a training tab of the same browser (same account) and loads its CSV.
    await provider.getByTestId('nav-wallet').click()
    const link = provider.getByTestId('join-training')
    await expect.poll(() => link.count(), { timeout: 30_000 }).toBe(1)
    const tab = await provider.context().newPage()
    await tab.goto(`${rig.coordinator.url}${await link.getAttribute('href')}`)
    await tab.getByTestId('csv-input').setInputFiles(resolve('examples/clinic-b.csv'))
    await tab.getByTestId('join').click({ timeout: 60_000 })

    await buyer.getByTestId('nav-wallet').click()
    await expect
      .poll(() => buyer.getByTestId('purchase-status').textContent(), { timeout: 120_000 })
      .toBe('completed')
    await buyer.getByTestId('fetch-model').click()
    const href = await buyer.getByTestId('model-download').getAttribute('href', { timeout: 30_000 })
    const model = JSON.parse(
      decodeURIComponent(href!.replace(/^data:application\/json;charset=utf-8,/, '')),
    ) as {
      version: string
      weights: number[]
    }
    expect(model.version).toMatch(/^r2-/)
    expect(model.weights.length).toBeGreaterThan(10)
    await provider.getByTestId('nav-wallet').click()
    await expect.poll(() => provider.getByTestId('market-balance').textContent()).toBe('240 tokens')
  })
})
