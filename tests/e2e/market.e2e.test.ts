import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { message, useMarketPages } from '../helpers/market-pages'

const { rig, dialogs, person, provider: registeredProvider, consumer: registeredConsumer } = useMarketPages()

describe('the market page in headless Chromium', () => {
  it('a provider lists from a CSV; a buyer searches, buys a copy and rates it; text stays text', async () => {
    const provider = await registeredProvider('<img src=x onerror=alert(1)>Clinic A')

    await provider.getByTestId('nav-list').click()
    await provider.getByTestId('list-file').setInputFiles(resolve('examples/clinic-a.csv'))
    await provider.getByTestId('list-name').fill('<b>Clinic A</b> visits')
    await provider.getByTestId('list-category').selectOption('medical')
    await provider.getByTestId('list-tags').fill('diabetes, clinic')
    await provider.getByTestId('list-description').fill('Outpatient visits with a diabetes outcome')
    // The file's schema is inferred into the form; this listing gives its own as JSON.
    await provider.getByTestId('schema-json-toggle').click()
    await provider.getByTestId('list-schema').fill(readFileSync('examples/clinic-schema.json', 'utf8'))
    await provider.getByTestId('list-submit').click()
    await expect.poll(() => message(provider), { timeout: 30_000 }).toMatch(/^listed as ds-1 \(\d+ rows/)

    const buyer = await registeredConsumer('Buyer Labs')
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
    // Before buying: every DP figure with its 95% interval and noise scale, and the copy's expected error.
    await expect
      .poll(() => buyer.getByTestId('dp-mean').first().textContent())
      .toMatch(/^[\d.]+ \[[\d.]+, [\d.]+\]$/)
    expect(await buyer.getByTestId('dp-rows').textContent()).toMatch(
      /^\d+ \[\d+, \d+\] \(count b = [\d.]+\)$/,
    )
    expect(await buyer.getByTestId('dp-noise').first().textContent()).toMatch(
      /^mean b ≈ [\d.e+]+, variance b ≈ /,
    )
    expect(await buyer.getByTestId('dp-counts').last().textContent()).toMatch(/^no: \d+ \[\d+, \d+\], yes: /)
    expect(await buyer.getByTestId('copy-noise-mae').count()).toBe(6)
    expect(await buyer.getByTestId('copy-noise-mae').first().textContent()).toMatch(/^± [\d.]+$/)
    expect(await buyer.getByTestId('copy-flip-rate').last().textContent()).toMatch(/^\d+\.\d%$/)
    // The exact row count is not published; the budget shows what the summary spent and what is left.
    expect(await buyer.getByTestId('dataset-rows').textContent()).toMatch(
      /^about \d+ \(DP count; the exact count is not published\)$/,
    )
    expect(await buyer.getByTestId('epsilon-spent').textContent()).toBe('ε 1')
    expect(await buyer.getByTestId('epsilon-left').textContent()).toBe('ε 9 left')
    await buyer.getByTestId('buy-copy').click()
    await expect.poll(() => message(buyer)).toBe('buy an anonymized copy: done')
    // The copy is charged once (ε 2); the page says a second per-row copy would be the same one, at no epsilon.
    await expect.poll(() => buyer.getByTestId('epsilon-left').textContent()).toBe('ε 7 left')
    expect(await buyer.getByTestId('epsilon-charge').count()).toBe(2)
    expect(await buyer.getByTestId('epsilon-next').textContent()).toContain(
      'Next per-row copy: no epsilon (the same copy is resold)',
    )

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
    // The opened copy is previewed: its first rows, and per column its figures beside the listing's DP summary.
    await expect
      .poll(() => buyer.getByTestId('copy-preview-rows').locator('tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(0)
    expect(await buyer.getByTestId('copy-preview-column').count()).toBe(10)
    expect(await buyer.getByTestId('copy-preview-column').first().textContent()).toMatch(
      /age\s*mean -?[\d.]+ · std [\d.]+ · \[-?[\d.]+, -?[\d.]+\].*mean [\d.]+ \[.*Laplace b = [\d.]+/s,
    )
    await buyer.getByTestId('rate-stars').selectOption('4')
    await buyer.getByTestId('rate-comment').fill('<script>alert(2)</script> useful')
    await buyer.getByTestId('rate-submit').click()
    await expect.poll(() => message(buyer)).toBe('rate: done')

    await buyer.getByTestId('nav-browse').click()
    expect(await buyer.getByTestId('hit-epsilon').textContent()).toBe('7 of 10')
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
    const provider = await registeredProvider('Fitness club')
    await provider.getByTestId('nav-list').click()
    await provider.getByTestId('list-file').setInputFiles(resolve('examples/clinic-b.csv'))
    await provider.getByTestId('list-name').fill('Clinic B visits')
    // The file's schema is inferred into the form; this listing gives its own as JSON.
    await provider.getByTestId('schema-json-toggle').click()
    await provider.getByTestId('list-schema').fill(readFileSync('examples/clinic-schema.json', 'utf8'))
    await provider.locator('px-market-list input[name=trainingRounds]').fill('2')
    await provider.getByTestId('list-submit').click()
    await expect.poll(() => message(provider), { timeout: 30_000 }).toMatch(/^listed as ds-2 /)

    const buyer = await registeredConsumer('Model buyer')
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
  it('a provider lists a CSV by its inferred schema alone, is shown a bad file by line and column, and sees the sale', async () => {
    const provider = await person()
    const pageErrors: string[] = []
    provider.on('pageerror', (error) => pageErrors.push(error.message))
    await provider.getByTestId('provider-name').fill('Inferring clinic')
    await provider.getByTestId('register-provider').click()
    await expect.poll(() => message(provider)).toBe('register as a provider: done')
    await provider.getByTestId('nav-list').click()
    const featureRows = provider.getByTestId('schema-feature-row')

    // A malformed file: one age is not a number (line 7). The schema is still inferred; listing is refused with the
    // tab's report, which names the line, the column and the value.
    const lines = readFileSync('examples/clinic-a.csv', 'utf8').split('\n').slice(0, 21)
    lines[6] = lines[6]!.replace(/^\d+,/, 'abc,')
    const bad = { name: 'clinic-bad.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) }
    await provider.getByTestId('list-file').setInputFiles(bad)
    await expect.poll(() => featureRows.count()).toBe(9)
    await provider.getByTestId('list-name').fill('Bad clinic file')
    await provider.getByTestId('list-submit').click()
    await expect
      .poll(() => message(provider))
      .toBe(
        'clinic-bad.csv cannot be listed: 1 of 20 rows have a problem (the report below gives each line and column): fix the file, or list with those rows left out',
      )
    const issue = provider.getByTestId('csv-issues').locator('tbody tr').first().locator('td')
    expect(await issue.allTextContents()).toEqual([
      'values that do not parse',
      '1',
      '7',
      'age',
      'abc',
      '"abc" is not a number (this file uses a decimal point)',
    ])

    // The real file, by inference alone: no schema edit.
    await provider.getByTestId('list-file').setInputFiles(resolve('examples/clinic-a.csv'))
    await expect
      .poll(() => provider.getByTestId('list-schema-source').textContent())
      .toMatch(/inferred from the 400 rows/)
    expect(await featureRows.count()).toBe(9)
    expect(await provider.getByTestId('schema-classes').inputValue()).toBe('no, yes')
    expect(
      await provider
        .getByTestId('schema-type')
        .evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value)),
    ).toEqual([
      'integer',
      'numeric',
      'integer',
      'integer',
      'numeric',
      'numeric',
      'boolean',
      'boolean',
      'categorical',
    ])
    await provider.getByTestId('list-name').fill('Clinic A, inferred')
    await provider.getByTestId('list-submit').click()
    await expect.poll(() => message(provider), { timeout: 30_000 }).toMatch(/^listed as ds-\d+ \(400 rows\)/)
    const datasetId = /^listed as (ds-\d+)/.exec((await message(provider))!)![1]!

    // The form is empty again, and the page threw nothing.
    expect(await provider.getByTestId('list-name').inputValue()).toBe('')
    expect(
      await provider.getByTestId('list-file').evaluate((el) => (el as HTMLInputElement).files?.length),
    ).toBe(0)
    expect(await featureRows.count()).toBe(0)
    expect(await provider.getByTestId('list-schema').inputValue()).toBe('')

    const buyer = await registeredConsumer('Inference buyer')
    await buyer.goto(`${rig.coordinator.url}/market#${datasetId}`)
    await buyer.getByTestId('buy-copy').click()
    await expect.poll(() => message(buyer)).toBe('buy an anonymized copy: done')

    // The provider is told at once, counted on the wallet's tab, and sees what the buyer waits for.
    await expect
      .poll(() => message(provider))
      .toMatch(/^new sale: a copy of "Clinic A, inferred" \(p-\d+, 20 tokens\)/)
    expect(await provider.getByTestId('nav-owed').textContent()).toBe('1')
    await provider.getByTestId('nav-wallet').click()
    await expect
      .poll(() => provider.getByTestId('pending-deliveries').textContent())
      .toBe('1 pending delivery')
    expect(await provider.getByTestId('new-sales').textContent()).toBe('1 new sale')
    expect(await provider.getByTestId('sale-waiting').textContent()).toMatch(
      /^the buyer waits for your tab to make and deliver the copy/,
    )
    expect(pageErrors).toEqual([])
  })
  it('a buyer compares both kinds of copy on the dataset page, buys a synthetic one and opens it', async () => {
    const provider = await registeredProvider('Synthetic clinic')
    await provider.getByTestId('nav-list').click()
    await provider.getByTestId('list-file').setInputFiles(resolve('examples/clinic-a.csv'))
    // By the inferred schema alone, as a provider would on the first try.
    await expect
      .poll(() => provider.getByTestId('list-schema-source').textContent())
      .toMatch(/inferred from the 400 rows/)
    await provider.getByTestId('list-name').fill('Clinic A for synthesis')
    await provider.getByTestId('list-submit').click()
    await expect.poll(() => message(provider), { timeout: 30_000 }).toMatch(/^listed as ds-\d+ /)
    const datasetId = /^listed as (ds-\d+) /.exec((await message(provider))!)![1]!

    const buyer = await registeredConsumer('Synthetic buyer')
    await buyer.goto(`${rig.coordinator.url}/market#${datasetId}`)
    // Both kinds measured by the provider's tab on the same held-out rows, shown before buying.
    const figures = (kind: string) => buyer.getByTestId(`utility-${kind}`).locator('td').allTextContents()
    await expect
      .poll(() => figures('synthetic'))
      .toEqual([
        'Synthetic (MST marginals)',
        expect.stringMatching(/^0\.\d{3}$/),
        expect.stringMatching(/^\d+\.\d%$/),
      ])
    expect((await figures('per-row'))[0]).toBe('Per-row (local DP)')
    await buyer.getByTestId('buy-synthetic').click()
    await expect.poll(() => message(buyer)).toBe('buy a synthetic copy: done')

    await provider.getByTestId('nav-wallet').click()
    await expect.poll(() => provider.getByTestId('sale-status').textContent()).toBe('pending')
    await provider.getByTestId('deliver').click()
    await expect
      .poll(() => provider.getByTestId('sale-status').textContent(), { timeout: 30_000 })
      .toBe('delivered')

    await buyer.getByTestId('nav-wallet').click()
    await expect.poll(() => buyer.getByTestId('purchase-status').textContent()).toBe('delivered')
    await buyer.getByTestId('open-copy').click()
    const href = await buyer.getByTestId('copy-download').getAttribute('href', { timeout: 30_000 })
    const csv = decodeURIComponent(href!.replace(/^data:text\/csv;charset=utf-8,/, ''))
    const [header, ...rows] = csv.trim().split(/\r?\n/)
    expect(header).toBe(readFileSync('examples/clinic-a.csv', 'utf8').split(/\r?\n/)[0])
    expect(rows.length).toBe(400)
    // Synthetic rows stay inside the schema's declared ranges (per-row noise leaves them): the inferred schema
    // declares ages 15..90 (the data's 18..90, rounded outward so the extremes are not published).
    const ages = rows.map((r) => Number(r.split(',')[0]))
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(15)
    expect(Math.max(...ages)).toBeLessThanOrEqual(90)

    // A second buyer of the synthetic copy is sold the same one, at no further epsilon: made once and kept in the
    // provider's browser (reloaded here, so read back from IndexedDB), resealed to the new buyer.
    const second = await registeredConsumer('Second synthetic buyer')
    await second.goto(`${rig.coordinator.url}/market#${datasetId}`)
    await expect
      .poll(() => second.getByTestId('epsilon-next').textContent())
      .toContain('next synthetic copy: no epsilon (the same copy is resold)')
    const left = await second.getByTestId('epsilon-left').textContent()
    await second.getByTestId('buy-synthetic').click()
    await expect.poll(() => message(second)).toBe('buy a synthetic copy: done')
    expect(await second.getByTestId('epsilon-left').textContent()).toBe(left)
    await provider.reload()
    await provider.getByTestId('nav-wallet').click()
    await provider.getByTestId('deliver').click()
    await expect
      .poll(() => provider.getByTestId('sale-status').allTextContents(), { timeout: 30_000 })
      .toEqual(['delivered', 'delivered'])
    expect((await provider.getByTestId('sale-epsilon').allTextContents()).sort()).toEqual([
      'ε 0 (resold)',
      'ε 2',
    ])
    await second.getByTestId('nav-wallet').click()
    await expect.poll(() => second.getByTestId('purchase-status').textContent()).toBe('delivered')
    await second.getByTestId('open-copy').click()
    expect(await second.getByTestId('copy-download').getAttribute('href', { timeout: 30_000 })).toBe(href)
  })
})
