import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_CSV_COLUMNS } from '../../client/data/csv/csv-ingest'
import { readCsv } from '../../client/data/csv/read-csv'
import { RecordSplitter } from '../../client/data/csv/record-splitter'
import type { TaskSchema } from '../../shared/tasks/schema'

const schema: TaskSchema = {
  features: [
    { name: 'f_a', type: 'numeric', min: 0, max: 10 },
    { name: 'city', type: 'categorical', categories: ['Zürich', '東京', 'São Paulo 🌆'] },
  ],
  label: { name: 'y_b', classes: ['no', 'yes'] },
  missing: 'drop-row',
}

/** `columns` columns: the task's three, then base-36 names; `rows` rows. */
function wideCsv(columns: number, rows: number, fill: (row: number, column: number) => string): string {
  const names = ['f_a', 'city', 'y_b', ...Array.from({ length: columns - 3 }, (_, i) => i.toString(36))]
  const lines = [names.join(',')]
  for (let r = 0; r < rows; r++) lines.push(names.map((_, c) => fill(r, c)).join(','))
  return `${lines.join('\n')}\n`
}

/** Text as UTF-16 bytes behind a byte order mark. */
function utf16(text: string, order: 'le' | 'be'): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(2 + text.length * 2)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, 0xfeff, order === 'le')
  for (let i = 0; i < text.length; i++) view.setUint16(2 + 2 * i, text.charCodeAt(i), order === 'le')
  return bytes
}

describe('a file with too many columns', () => {
  // 200,000 columns in 1.2 MB: reading it once kept a tab busy for a minute (a quadratic duplicate-name check).
  const huge = wideCsv(200_000, 1, () => '')

  it.each(['Blob', 'string'] as const)(
    'the 1.2 MB, 200,000-column file (%s) is refused with the line and the count',
    async (kind) => {
      expect(huge.length).toBeGreaterThan(1.1e6)
      expect(huge.length).toBeLessThan(1.3e6)
      const { report, rows } = await readCsv(kind === 'Blob' ? new Blob([huge]) : huge, 'wide.csv', schema)
      expect(rows).toBeNull()
      expect(report.fatal).toBe(
        "line 1 (the header) has 200,000 columns; the most this page reads is 10,000: keep the task's columns and remove the others",
      )
      expect(report.header).toEqual([])
    },
  )

  it('the cap is a setting', async () => {
    const { report } = await readCsv(huge, 'wide.csv', schema, { maxColumns: 250_000 })
    expect(report.fatal).toBe('none of the 1 rows is valid: see the problems below')
    expect(report.warnings).toContain(
      'columns not in the task are ignored: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, a, b, c, d, e, f, g, h, i, j and 199,977 more',
    )
  })

  it('a data row wider than the cap is refused with its line', async () => {
    const text = `f_a,city,y_b\n1,Zürich,no\n2,東京,yes${',x'.repeat(20_000)}\n`
    const { report, rows } = await readCsv(text, 'ragged.csv', schema)
    expect(rows).toBeNull()
    expect(report.fatal).toBe('line 3 has 20,003 fields; the most this page reads is 10,000 columns')
  })

  it('one enormous line is refused before it is split into fields', async () => {
    const line = `f_a,city,y_b,${'0,'.repeat(3_000_000)}z\n`
    const { report, rows } = await readCsv(new Blob([line]), 'one-line.csv', schema)
    expect(rows).toBeNull()
    expect(report.fatal).toBe('line 1 has more than 10,000 columns, the most this page reads')
  })

  it(`a ${DEFAULT_MAX_CSV_COLUMNS.toLocaleString('en-US')}-column file, under the cap, reads`, async () => {
    const cities = ['Zürich', '東京', 'São Paulo 🌆']
    const text = wideCsv(DEFAULT_MAX_CSV_COLUMNS, 30, (r, c) =>
      c === 0 ? String(r % 10) : c === 1 ? cities[r % 3]! : c === 2 ? (r % 2 ? 'yes' : 'no') : String(c % 7),
    )
    const { report, rows } = await readCsv(new Blob([text]), 'wide.csv', schema)
    expect(report.fatal).toBeNull()
    expect(rows!.count).toBe(30)
    expect(report.header).toHaveLength(DEFAULT_MAX_CSV_COLUMNS)
    expect(report.extraColumns).toHaveLength(DEFAULT_MAX_CSV_COLUMNS - 3)
    expect(report.columns[1]).toMatchObject({ counts: cities.map((c) => [c, 10]) })
  })
})

describe('text encodings', () => {
  const text =
    'f_a,city,y_b\r\n1,Zürich,no\r\n2,東京,yes\r\n3,"São Paulo 🌆",no\r\n"4","東京",yes\r\n5,Lyon,no\r\n'

  it.each(['le', 'be'] as const)(
    'UTF-16%s with a byte order mark reads the same rows as UTF-8',
    async (order) => {
      const utf8 = await readCsv(new Blob([text]), 'utf8.csv', schema)
      const wide = await readCsv(new Blob([utf16(text, order)]), `utf16${order}.csv`, schema)
      expect(utf8.report.fatal).toBeNull()
      expect(utf8.rows!.count).toBe(4)
      expect(wide.report.fatal).toBeNull()
      expect(wide.report.header).toEqual(['f_a', 'city', 'y_b'])
      expect(wide.report.preview).toEqual(utf8.report.preview)
      expect(wide.report.columns).toEqual(utf8.report.columns)
      expect(wide.report.issues).toEqual(utf8.report.issues)
      expect(Array.from(wide.rows!.x)).toEqual(Array.from(utf8.rows!.x))
      expect(Array.from(wide.rows!.y)).toEqual(Array.from(utf8.rows!.y))
    },
  )

  it('a UTF-8 byte order mark still works', async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)])
    const { report, rows } = await readCsv(new Blob([bom]), 'bom.csv', schema)
    expect(report.fatal).toBeNull()
    expect(report.header[0]).toBe('f_a')
    expect(rows!.count).toBe(4)
  })

  it('UTF-16 without its mark is refused, saying to save it as UTF-8', async () => {
    const { report } = await readCsv(new Blob([utf16(text, 'le').subarray(2)]), 'nomark.csv', schema)
    expect(report.fatal).toMatch(/looks like UTF-16 text without a byte order mark: save it as "CSV UTF-8"/)
  })

  it('characters cut between two reads of a large file stay whole', async () => {
    const rows = Array.from({ length: 40_000 }, (_, r) => `${r % 10},${r % 2 ? '東京' : 'São Paulo 🌆'},no`)
    const big = `f_a,city,y_b\n${rows.join('\n')}\n`
    for (const bytes of [new TextEncoder().encode(big), utf16(big, 'be')]) {
      const { report } = await readCsv(new Blob([bytes]), 'big.csv', schema)
      expect(report.fatal).toBeNull()
      expect(report.issues).toEqual([])
      expect(report.columns[1]).toMatchObject({
        counts: [
          ['São Paulo 🌆', 20_000],
          ['東京', 20_000],
        ],
      })
    }
  })
})

describe('splitting records that arrive in pieces', () => {
  const text = 'a,b,c\r\n1,"two\r\nlines",3\r\n"say ""hi""",,x\r\n"",y,"z,z"\r\nlast,row,"no break"'

  function split(pieceSize: number, minParseChars: number): string[][] {
    const records: string[][] = []
    const splitter = new RecordSplitter({
      delimiter: ',',
      lineBreak: '\r\n',
      maxFields: 100,
      minParseChars,
      events: {
        record: (fields) => records.push(fields),
        quotes: () => {
          throw new Error('no quote problem expected')
        },
        tooWide: () => {
          throw new Error('no wide record expected')
        },
      },
    })
    for (let at = 0; at < text.length; at += pieceSize) splitter.push(text.slice(at, at + pieceSize))
    splitter.end()
    return records
  }

  it('gives the records papaparse gives for the whole text, whatever the pieces', () => {
    const whole = Papa.parse<string[]>(text, { newline: '\r\n' }).data
    expect(whole).toHaveLength(5)
    for (const pieceSize of [1, 2, 3, 5, 7, 64]) {
      for (const minParseChars of [1, 4, 1024]) expect(split(pieceSize, minParseChars)).toEqual(whole)
    }
  })
})
