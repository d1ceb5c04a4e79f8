import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readRunCsv } from '../../cli/csv-input'
import { csvReportText } from '../../cli/csv-report-text'

const here = import.meta.dirname
/** 60 rows of Palmer penguins (CC0) with a stray "." in sex (line 6), NA (line 13), a ragged row (31), a blank (45). */
const MESSY = join(here, 'fixtures', 'messy-penguins.csv')
const PENGUINS = join(here, '../../examples/penguins.csv')

describe('the command line reads a CSV as a tab does', () => {
  it('reports the separator, valid and dropped rows by reason with their first lines, the schema and the classes', async () => {
    const { table, report, columns, schemaSource } = await readRunCsv(MESSY, 'species', null)
    expect(schemaSource).toBe('inferred')
    expect(report).toMatchObject({ delimiter: ',', decimal: '.', fatal: null })
    expect(report.rows).toEqual({ total: 60, valid: 56, dropped: 4 })
    expect(table.rows).toHaveLength(56)
    const where = Object.fromEntries(
      report.issues.map((i) => [i.kind, i.examples.map((e) => [e.line, e.column, e.value])]),
    )
    // The stray "." is no category of its own: the row is reported where it is, as the tab reports it.
    expect(where).toEqual({
      'unknown-category': [[6, 'sex', '.']],
      'missing-value': [
        [13, 'bill_length_mm', 'NA'],
        [45, 'flipper_length_mm', ''],
      ],
      ragged: [[31, null, '5 fields']],
    })
    expect(table.schema.features.find((f) => f.name === 'sex')).toEqual({
      name: 'sex',
      type: 'categorical',
      categories: ['female', 'male'],
    })
    expect(table.schema.label.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo'])
    const text = csvReportText(report, table.schema, columns, null)
    for (const line of [
      'read messy-penguins.csv: 2.7 KB, comma-separated, decimal point',
      'rows: 56 of 60 valid; 4 left out',
      'classes: Adelie 18 (32.1%), Chinstrap 19 (33.9%), Gentoo 19 (33.9%)',
      '  line 6, sex: ".": "." is not a category of "sex" (female, male)',
      '  line 31: "5 fields": has 5 fields, the header has 8',
    ]) {
      expect(text).toContain(line)
    }
    expect(text).toMatch(/sex +categorical, 2 categories; "\." not taken as a category/)
  })

  it('says how many penguins rows it leaves out and why (none silently)', async () => {
    const { report } = await readRunCsv(PENGUINS, 'species', null)
    expect(report.rows).toEqual({ total: 344, valid: 333, dropped: 11 })
    expect(report.issues.map((i) => [i.kind, i.count])).toEqual([['missing-value', 11]])
  })

  it('reads with --schema FILE, and names what is wrong with one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'privx-schema-'))
    const inferred = (await readRunCsv(MESSY, 'species', null)).table.schema
    const file = join(dir, 'schema.json')
    writeFileSync(file, JSON.stringify(inferred))
    const read = await readRunCsv(MESSY, 'species', file)
    expect(read.schemaSource).toBe(file)
    expect(read.columns).toEqual([])
    expect(read.report.rows.valid).toBe(56)
    await expect(readRunCsv(MESSY, 'island', file)).rejects.toThrow(
      `--schema ${file}: its label is "species" but --label names "island"`,
    )
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ ...inferred, features: [{ name: 'year', type: 'date' }] }))
    await expect(readRunCsv(MESSY, 'species', bad)).rejects.toThrow(`--schema ${bad}: features.0`)
  })

  it('refuses a binary file with the tab message, and a missing one by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'privx-binary-'))
    const png = join(dir, 'photo.png')
    writeFileSync(
      png,
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
    )
    await expect(readRunCsv(png, 'y', null)).rejects.toThrow(
      `--csv ${png}: cannot use this file: "photo.png" cannot be read as CSV: it contains NUL bytes: it looks like a binary file, not CSV text`,
    )
    await expect(readRunCsv(join(dir, 'none.csv'), 'y', null)).rejects.toThrow('none.csv: no such file')
  })

  it('lists the problems when no row is usable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'privx-bad-'))
    const file = join(dir, 'bad.csv')
    const schema = (await readRunCsv(MESSY, 'species', null)).table.schema
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema))
    writeFileSync(
      file,
      'island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year,species\nDream,x,14,180,3000,male,2007,Adelie\n',
    )
    await expect(readRunCsv(file, 'species', join(dir, 'schema.json'))).rejects.toThrow(
      /cannot use this file: none of the 1 rows is valid[\s\S]*line 2, bill_length_mm: "x"/,
    )
  })
})
