import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { overflowing, seriousViolations } from '../helpers/accessibility'
import { coordinatorPageFor, openPage, useBrowserRig } from '../helpers/browser'

const rig = useBrowserRig({ config: { rounds: 1, minClients: 1, localEpochs: 2 } })

/** The penguins file with its "NA"s, and one sex written "." as some exports do. */
function penguinsFixture(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'privx-schema-')), 'penguins-messy.csv')
  writeFileSync(path, readFileSync('examples/penguins.csv', 'utf8').replace(/,male,2008/, ',.,2008'))
  return path
}

const problems = (page: Page) => page.getByTestId('schema-problem').textContent()
const row = (page: Page, column: string) =>
  page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: column, exact: true }) })

describe('the schema form on the coordinator page', () => {
  it('infers a messy CSV, is edited column by column, creates the task, and a tab finds valid rows and trains', async () => {
    const { browser, coordinator } = rig
    const file = penguinsFixture()
    const page = await openPage(browser, coordinator.coordinatorPageUrl)
    await page.getByTestId('task-name-input').fill('Penguins')

    // A header alone guesses nothing: no label, no types, and the problems say so by column.
    await page.getByTestId('header-input').fill('species,island,sex')
    await page.getByTestId('draft-schema').click()
    await expect.poll(() => page.getByTestId('schema-feature-row').count()).toBe(3)
    expect(await problems(page)).toMatch(/label: choose the column to predict/)
    expect(await problems(page)).toMatch(
      /column "island": type must be one of numeric, integer, boolean, categorical/,
    )
    await page.getByTestId('create-task').click()
    await expect.poll(() => page.getByTestId('create-problem').textContent()).toMatch(/^schema: .*label/)

    // A sample file, read in the page: types, ranges, categories, missing values.
    await page.getByTestId('schema-file').setInputFiles(file)
    await expect.poll(() => page.getByTestId('schema-feature-row').count()).toBe(7)
    expect(await page.getByTestId('schema-note').textContent()).toMatch(/344 rows/)
    expect(await row(page, 'sex').textContent()).toMatch(/11 missing/)
    expect(await page.getByLabel('sex: categories, separated by commas').inputValue()).toBe('female, male')

    // The label is chosen in the form: species; year is left out; body mass becomes numeric.
    await page.getByLabel('species: role').selectOption('label')
    await expect.poll(() => page.getByTestId('schema-classes').inputValue()).toBe('Adelie, Chinstrap, Gentoo')
    await page.getByLabel('year: role').selectOption('ignored')
    await page.getByLabel('body_mass_g: type').selectOption('numeric')
    // A type left unchosen is named, with the types allowed, and blocks the create.
    await page.getByLabel('flipper_length_mm: type').selectOption('')
    await expect
      .poll(() => problems(page))
      .toMatch(/column "flipper_length_mm": type must be one of numeric, integer, boolean, categorical/)
    await page.getByLabel('flipper_length_mm: type').selectOption('integer')
    expect(await page.getByLabel('flipper_length_mm: min').inputValue()).toBe('170')
    await expect.poll(() => page.getByTestId('schema-problem').count()).toBe(0)

    // The JSON follows the form, and the form follows the JSON.
    await page.getByTestId('schema-json-toggle').click()
    const json = JSON.parse(await page.getByTestId('schema-input').inputValue())
    expect(json.label).toEqual({ name: 'species', classes: ['Adelie', 'Chinstrap', 'Gentoo'] })
    expect(json.features.map((f: { name: string; type: string }) => `${f.name}:${f.type}`)).toEqual([
      'island:categorical',
      'bill_length_mm:numeric',
      'bill_depth_mm:numeric',
      'flipper_length_mm:integer',
      'body_mass_g:numeric',
      'sex:categorical',
    ])
    json.features[4].max = 7000
    await page.getByTestId('schema-input').fill(JSON.stringify(json, null, 2))
    expect(await page.getByLabel('body_mass_g: max').inputValue()).toBe('7000')
    expect(await page.getByTestId('schema-ignored-row').textContent()).toMatch(/year/)
    // The form and the tab's report of the messy file are accessible and fit 1280 px.
    await page.setViewportSize({ width: 1280, height: 900 })
    const problemsSeen = [
      ...(await seriousViolations(page, 'schema form')),
      ...(await overflowing(page, 'schema form')),
    ]

    await page.getByTestId('create-task').click()
    await expect
      .poll(() => page.getByTestId('create-message').textContent())
      .toBe('created "Penguins": tabs join at /?task=penguins')
    expect(await page.getByTestId('schema-note').count()).toBe(0)
    expect(coordinator.tasks.get('penguins')?.task.model).toMatchObject({ inputs: 9, classes: 3 })

    // A tab with the same file: the rows with a missing value or the stray "." are left out, the rest are valid.
    const tab = await openPage(browser, `${coordinator.clientPageUrl}?task=penguins`)
    await tab.getByTestId('csv-input').setInputFiles(file)
    await expect
      .poll(() => tab.getByTestId('csv-summary').textContent(), { timeout: 20_000 })
      .toMatch(/332 of 344 rows are valid; 12 will be left out/)
    await tab.setViewportSize({ width: 1280, height: 900 })
    problemsSeen.push(
      ...(await seriousViolations(tab, 'CSV report')),
      ...(await overflowing(tab, 'CSV report')),
    )
    expect(problemsSeen).toEqual([])
    await tab.getByTestId('join').click()
    const dashboard = await openPage(browser, coordinatorPageFor(coordinator.coordinatorPageUrl, 'penguins'))
    await dashboard.getByTestId('start').click()
    await expect
      .poll(() => dashboard.getByTestId('completed-rounds').textContent(), { timeout: 60_000 })
      .toBe('1')
  })
})
