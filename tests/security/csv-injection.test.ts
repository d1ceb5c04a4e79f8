import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { readCsv } from '../../client/data/csv/read-csv'
import { clinicCsv } from '../../examples/example-data'
import {
  csvDocument,
  csvLine,
  defuseCsvText,
  escapeCsvCell,
  unescapeCsvCell,
} from '../../shared/data/csv-cell'
import { DataHandler, type Table } from '../../shared/data/data-handler'
import { anonymizedCopy } from '../../shared/market/anonymized-copy'
import { frameToCsv, readDatasetFrame } from '../../shared/market/dataset-frame'
import type { TaskSchema } from '../../shared/tasks/schema'

// OWASP's CSV injection examples: what a spreadsheet would run if a cell began with them.
const FORMULAS = ["=cmd|' /C calc'!A0", '+1+2', '@SUM(1+1)', '-2+3'] as const
const WHITESPACE_LED = ['\t=1+1', '\r=1+1'] as const
const NUMBERS = ['-1.5', '-3e-4', '+2', '0.25', '-7'] as const
const LEADS = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** The cells of a CSV as a spreadsheet would see them: quotes removed, nothing else. */
function rawCells(csv: string): string[][] {
  return Papa.parse<string[]>(csv, { header: false, skipEmptyLines: 'greedy' }).data
}

/** No cell of the file starts a formula: it starts with none of the leads, or is a plain number. */
function expectNoFormula(csv: string): void {
  const unsafe = rawCells(csv)
    .flat()
    .filter((cell) => LEADS.test(cell) && !PLAIN_NUMBER.test(cell))
  expect(unsafe).toEqual([])
}

/** The file's cells read back: quotes removed and protective quotes dropped. */
function readBack(csv: string): string[][] {
  return rawCells(csv).map((row) => row.map(unescapeCsvCell))
}

describe('escaping one cell (shared/data/csv-cell)', () => {
  it.each([...FORMULAS, ...WHITESPACE_LED])('escapes %j with a quote and quotes the cell', (value) => {
    const cell = escapeCsvCell(value)
    expect(cell.startsWith(`"'`)).toBe(true)
    const [[parsed]] = rawCells(`${cell}\n`) as [[string]]
    expect(parsed).toBe(`'${value}`)
    expect(unescapeCsvCell(parsed)).toBe(value)
  })

  it.each(NUMBERS)('leaves the number %s as it is', (value) => {
    expect(escapeCsvCell(value)).toBe(value)
    expect(escapeCsvCell(Number(value))).toBe(String(Number(value)))
  })

  it('keeps RFC 4180 quoting for commas, quotes and line breaks, and leaves harmless cells bare', () => {
    expect(escapeCsvCell('a,b')).toBe('"a,b"')
    expect(escapeCsvCell('say "hi"')).toBe('"say ""hi"""')
    expect(escapeCsvCell('two\nlines')).toBe('"two\nlines"')
    expect(escapeCsvCell('north')).toBe('north')
    expect(escapeCsvCell(null)).toBe('')
    expect(escapeCsvCell("it's")).toBe("it's")
  })

  it('round-trips text that already starts with protective quotes, and a lone leading quote', () => {
    for (const value of ["'=1+1", "''@x", "'-1.5", "'hello", "'"]) {
      const [[parsed]] = rawCells(`${escapeCsvCell(value)}\n`) as [[string]]
      expect(unescapeCsvCell(parsed)).toBe(value)
    }
    expect(escapeCsvCell("'=1+1")).toBe(`"''=1+1"`)
  })

  it('csvLine and csvDocument escape every cell, the header included', () => {
    const csv = csvDocument(
      ['@name', 'value'],
      [
        [FORMULAS[0], -1.5],
        ['+1+2', '-3e-4'],
      ],
    )
    expectNoFormula(csv)
    expect(csv.split('\r\n')[0]).toBe(`"'@name",value`)
    expect(readBack(csv)).toEqual([
      ['@name', 'value'],
      [FORMULAS[0], '-1.5'],
      ['+1+2', '-3e-4'],
    ])
    expect(csvLine(['-2+3', -7])).toBe(`"'-2+3",-7`)
  })
})

const schema: TaskSchema = {
  features: [
    { name: 'temperature', type: 'numeric', min: -10, max: 10 },
    { name: 'command', type: 'categorical', categories: [...FORMULAS] },
  ],
  label: { name: 'outcome', classes: ['@SUM(1+1)', '-2+3'] },
  missing: 'drop-row',
}
const rows = FORMULAS.map((command, i) => ({
  temperature: [-1.5, -3e-4, 2, -7][i]!,
  command,
  outcome: schema.label.classes[i % 2]!,
}))
const table: Table = { name: 'hostile', schema, rows }

describe('every CSV the product writes escapes formula cells and keeps numbers', () => {
  it('DataHandler.toCsv (CLI parts, examples): escaped, numbers bare, read back to the same rows', () => {
    const csv = DataHandler.toCsv(table)
    expectNoFormula(csv)
    expect(csv).toContain(`"'=cmd|' /C calc'!A0"`)
    expect(csv).toContain(`-1.5,"'=cmd|' /C calc'!A0","'@SUM(1+1)"`)
    expect(csv).toContain('-0.0003,')
    const back = DataHandler.fromCsv('hostile', csv, schema)
    expect(back.dropped).toBe(0)
    expect(back.rows).toEqual(rows)
  })

  it('a tab reads it back through the task schema: categories and labels unescaped, negative numbers', async () => {
    const { report, rows: encoded } = await readCsv(DataHandler.toCsv(table), 'hostile.csv', schema)
    expect(report.fatal).toBeNull()
    expect(encoded!.count).toBe(4)
    expect(report.columns[0]).toMatchObject({ min: -7, max: 2 })
    expect(report.columns[1]).toMatchObject({ counts: FORMULAS.map((f) => [f, 1]) })
    expect(report.classCounts).toEqual([2, 2])
  })

  it('frameToCsv (market copies): escaped, numbers bare, read back by readDatasetFrame', () => {
    const frame = new Map<string, (number | string)[]>([
      ['temperature', rows.map((r) => r.temperature)],
      ['command', rows.map((r) => r.command)],
      ['outcome', rows.map((r) => r.outcome)],
    ])
    const csv = frameToCsv(frame)
    expectNoFormula(csv)
    const back = readDatasetFrame(csv, schema)
    expect(back.fatal).toBeNull()
    expect(back.frame).toEqual(frame)
  })

  it('anonymizedCopy: every noised cell is safe; numbers stay numbers; cells read back to the copy', () => {
    const frame = new Map<string, (number | string)[]>([
      ['temperature', Array.from({ length: 200 }, (_, i) => (i % 20) - 10)],
      ['command', Array.from({ length: 200 }, (_, i) => FORMULAS[i % 4]!)],
      ['outcome', Array.from({ length: 200 }, (_, i) => schema.label.classes[i % 2]!)],
    ])
    const copy = anonymizedCopy(frame, schema, 1)
    expectNoFormula(copy.csv)
    const cells = rawCells(copy.csv)
    const temperatures = cells.slice(1).map((r) => r[0]!)
    expect(temperatures.some((t) => t.startsWith('-'))).toBe(true)
    expect(temperatures.every((t) => PLAIN_NUMBER.test(t))).toBe(true)
    const back = readBack(copy.csv)
    expect(back[0]).toEqual(['temperature', 'command', 'outcome'])
    expect(back.slice(1).map((r) => Number(r[0]))).toEqual(copy.frame.get('temperature'))
    expect(back.slice(1).map((r) => r[1])).toEqual(copy.frame.get('command'))
    expect(back.slice(1).map((r) => r[2])).toEqual(copy.frame.get('outcome'))
  })

  it('clinicCsv (example and test files): a notes column with formulas is escaped and reads back', () => {
    const notes = [...FORMULAS, ...WHITESPACE_LED, 'plain, with a comma', 'say "hi"']
    const csv = clinicCsv({
      seed: 1,
      rows: 14,
      positiveShare: 0.5,
      notes: (row) => notes[row % notes.length]!,
    })
    expectNoFormula(csv)
    const back = readBack(csv)
    expect(back.slice(1).map((r) => r[10])).toEqual(
      Array.from({ length: 14 }, (_, i) => notes[(i + 1) % notes.length]),
    )
  })

  it('defuseCsvText (a bought copy offered for download): a seller who skipped escaping is escaped here', () => {
    const hostile = `name,value\r\n${FORMULAS.map((f) => `"${f.replaceAll('"', '""')}",-1.5`).join('\r\n')}\r\n"\t=1+1",-3e-4\r\n`
    expect(
      rawCells(hostile)
        .flat()
        .some((c) => c.startsWith('=')),
    ).toBe(true)
    const safe = defuseCsvText(hostile)
    expectNoFormula(safe)
    expect(readBack(safe)).toEqual([
      ['name', 'value'],
      ...FORMULAS.map((f) => [f, '-1.5']),
      ['\t=1+1', '-3e-4'],
    ])
    expect(defuseCsvText(safe)).toBe(safe)
    expect(defuseCsvText(frameToCsv(new Map([['a', ['=1', -2]]])))).toBe(`a\r\n"'=1"\r\n-2`)
  })
})
