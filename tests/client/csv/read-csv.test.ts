import { describe, expect, it } from 'vitest'
import { readCsv } from '../../../client/data/csv/read-csv'
import type { TaskSchema } from '../../../shared/tasks/schema'

const schema: TaskSchema = {
  features: [
    { name: 'age', type: 'numeric', min: 18, max: 90 },
    { name: 'visits', type: 'integer', min: 0, max: 50 },
    { name: 'smoker', type: 'boolean' },
    { name: 'region', type: 'categorical', categories: ['north', 'south'] },
  ],
  label: { name: 'diabetes', classes: ['no', 'yes'] },
  missing: 'drop-row',
}

const read = (text: string, options = {}) => readCsv(text, 'test.csv', schema, options)
const good = 'age,visits,smoker,region,diabetes\n54,3,yes,north,yes\n30,0,no,south,no\n'

describe('reading a CSV through a task schema', () => {
  it('encodes valid rows: scaled ranges, booleans, one-hot categories', async () => {
    const { report, rows } = await read(good)
    expect(report.fatal).toBeNull()
    expect(report.rows).toEqual({ total: 2, valid: 2, dropped: 0 })
    expect(rows!.width).toBe(5)
    // age 54 on [18, 90] -> 0; visits 3 on [0, 50] -> -0.88; smoker 1; region north -> [1, 0]
    expect(Array.from(rows!.x.slice(0, 5)).map((v) => +v.toFixed(4))).toEqual([0, -0.88, 1, 1, 0])
    expect(Array.from(rows!.y)).toEqual([1, 0])
    expect(report.classCounts).toEqual([1, 1])
    expect(report.preview[0]).toEqual(['54', '3', 'yes', 'north', 'yes'])
    expect(report.columns[0]).toMatchObject({ name: 'age', type: 'numeric', min: 30, max: 54, mean: 42 })
  })

  it('refuses an empty file', async () => {
    expect((await read('')).report.fatal).toBe('the file is empty')
  })

  it('refuses a header with no rows', async () => {
    expect((await read('age,visits,smoker,region,diabetes\n')).report.fatal).toBe(
      'the file has a header but no data rows',
    )
  })

  it('explains a file with no header', async () => {
    const { report } = await read('54,3,1,1,1\n30,0,0,0,0\n')
    expect(report.fatal).toMatch(
      /^the first line holds values \(54, 3, 1, 1…\), not column names: add a header line naming the columns age, visits/,
    )
  })

  it('names missing columns and hints at a case mismatch; ignores extra ones with a warning', async () => {
    expect((await read('Age,visits,smoker,region,diabetes\n54,3,yes,north,yes\n')).report.fatal).toBe(
      'the file lacks column "age" (the file has "Age"); its header is: Age, visits, smoker, region, diabetes',
    )
    const extra = await read('age,visits,notes,smoker,region,diabetes\n54,3,hello,yes,north,yes\n')
    expect(extra.report.warnings).toContain('columns not in the task are ignored: notes')
    expect(extra.rows!.count).toBe(1)
  })

  it('refuses duplicate column names, saying where', async () => {
    const { report } = await read('age,visits,age,smoker,region,diabetes\n1,2,3,yes,north,no\n')
    expect(report.fatal).toBe('duplicate column names in the header: "age" (columns 1 and 3)')
  })

  it.each(['__proto__', 'constructor'])(
    'refuses a column named %s without touching any prototype',
    async (name) => {
      const { report } = await read(`age,visits,smoker,region,diabetes,${name}\n54,3,yes,north,yes,1\n`)
      expect(report.fatal).toBe(`column 6 is named "${name}", which is reserved: rename it in the header`)
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    },
  )

  it('drops ragged rows and gives their line numbers', async () => {
    const { report, rows } = await read(
      'age,visits,smoker,region,diabetes\n54,3,yes,north,yes\n30,0,no\n31,1,no,south,no,extra\n40,2,no,south,no\n',
    )
    expect(rows!.count).toBe(2)
    expect(report.rows).toEqual({ total: 4, valid: 2, dropped: 2 })
    const ragged = report.issues.find((i) => i.kind === 'ragged')!
    expect(ragged.count).toBe(2)
    expect(ragged.examples.map((e) => [e.line, e.message])).toEqual([
      [3, 'has 3 fields, the header has 5'],
      [4, 'has 6 fields, the header has 5'],
    ])
  })

  it('reads quoted fields with embedded newlines and keeps line numbers right after them', async () => {
    const text =
      'age,visits,smoker,region,diabetes,notes\n54,3,yes,north,yes,"two\nlines"\n30,x,no,south,no,ok\n'
    const { report, rows } = await read(text)
    expect(rows!.count).toBe(1)
    const bad = report.issues.find((i) => i.kind === 'unparsable')!
    expect(bad.examples[0]).toEqual({
      line: 4,
      column: 'visits',
      value: 'x',
      message: '"x" is not a number (this file uses a decimal point)',
    })
  })

  it('strips a UTF-8 byte order mark', async () => {
    const { report, rows } = await read(`\uFEFF${good}`)
    expect(report.fatal).toBeNull()
    expect(report.header[0]).toBe('age')
    expect(rows!.count).toBe(2)
  })

  it('detects semicolon and tab delimiters, and reads a decimal comma with semicolons', async () => {
    const semicolon = await read(
      'age;visits;smoker;region;diabetes\n"54,5";3;yes;north;yes\n1.030,0;0;no;south;no\n',
    )
    expect(semicolon.report.delimiter).toBe(';')
    expect(semicolon.report.decimal).toBe(',')
    expect(semicolon.report.columns[0]).toMatchObject({ min: 54.5, max: 1030 })
    expect(semicolon.report.issues.find((i) => i.kind === 'out-of-range')?.count).toBe(1)
    const european = await read(
      'age;visits;smoker;region;diabetes\n54,5;3;yes;north;yes\n61,25;2;no;south;no\n',
    )
    expect(european.report.delimiter).toBe(';')
    expect(european.report.columns[0]).toMatchObject({ min: 54.5, max: 61.25 })
    const tab = await read(good.replaceAll(',', '\t'))
    expect(tab.report.delimiter).toBe('\t')
    expect(tab.rows!.count).toBe(2)
  })

  it('reads thousands separators with a decimal point, and honours a chosen delimiter and decimal mark', async () => {
    const { report } = await read('age,visits,smoker,region,diabetes\n"1,234.5",3,yes,north,yes\n')
    expect(report.columns[0]).toMatchObject({ min: 1234.5 })
    const chosen = await read('age|visits|smoker|region|diabetes\n54,5|3|yes|north|yes\n', {
      delimiter: '|',
      decimal: ',',
    })
    expect(chosen.report.columns[0]).toMatchObject({ min: 54.5 })
  })

  it('reports empty labels, unknown classes and unknown categories, and drops those rows', async () => {
    const text =
      'age,visits,smoker,region,diabetes\n54,3,yes,north,\n54,3,yes,north,maybe\n54,3,yes,west,no\n54,3,yes,north,YES\n'
    const { report, rows } = await read(text)
    expect(rows!.count).toBe(1)
    const kinds = Object.fromEntries(report.issues.map((i) => [i.kind, i.examples[0]]))
    expect(kinds['empty-label']).toMatchObject({ line: 2, column: 'diabetes' })
    expect(kinds['unknown-class']).toMatchObject({
      line: 3,
      value: 'maybe',
      message: '"maybe" is not a class of this task (no, yes)',
    })
    expect(kinds['unknown-category']).toMatchObject({ line: 4, column: 'region', value: 'west' })
  })

  it('drops rows with missing values by default and imputes them when the schema says so', async () => {
    const text = 'age,visits,smoker,region,diabetes\n,3,yes,north,yes\n40,2,NA,south,no\n'
    const dropped = await read(text)
    expect(dropped.report.fatal).toBe('none of the 2 rows is valid: see the problems below')
    const imputed = await readCsv(text, 'test.csv', { ...schema, missing: 'impute' })
    expect(imputed.rows!.count).toBe(2)
    expect(imputed.rows!.x[0]).toBe(0)
    expect(imputed.rows!.x[7]).toBe(0.5)
    expect(imputed.report.issues.find((i) => i.kind === 'imputed')).toMatchObject({
      count: 2,
      dropsRows: false,
    })
  })

  it('rejects non-integers in integer columns', async () => {
    const { report } = await read(
      'age,visits,smoker,region,diabetes\n54,2.5,yes,north,yes\n54,2,yes,north,yes\n',
    )
    expect(report.issues.find((i) => i.kind === 'not-integer')?.examples[0]).toMatchObject({
      line: 2,
      value: '2.5',
    })
  })

  it('warns about a single-class file but lets it join', async () => {
    const { report, rows } = await read(
      'age,visits,smoker,region,diabetes\n54,3,yes,north,yes\n50,3,no,north,yes\n',
    )
    expect(report.fatal).toBeNull()
    expect(rows!.count).toBe(2)
    expect(report.warnings[0]).toMatch(/every valid row has the label "yes"/)
  })

  it('reports an unclosed quote instead of swallowing the file', async () => {
    const { report, rows } = await read(
      'age,visits,smoker,region,diabetes\n54,3,"yes,north,yes\n50,3,no,north,no\n',
    )
    expect(rows).toBeNull()
    expect(report.fatal).toMatch(/a quoted field is never closed/)
  })

  it('refuses a binary file and a file over the size limit before parsing', async () => {
    const png = new Blob([
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]),
    ])
    const binary = await readCsv(png, 'photo.png', schema)
    expect(binary.report.fatal).toBe(
      '"photo.png" cannot be read as CSV: it contains NUL bytes: it looks like a binary file, not CSV text',
    )
    const latin1 = await readCsv(
      new Blob([new Uint8Array([0x61, 0x67, 0x65, 0xe9, 0x2c, 0x62])]),
      'latin1.csv',
      schema,
    )
    expect(latin1.report.fatal).toMatch(/not UTF-8 text/)
    const big = await readCsv(new Blob([good]), 'big.csv', schema, { maxBytes: 10 })
    expect(big.report.fatal).toBe(`the file is ${good.length} bytes; the limit is 10 bytes`)
    expect(big.rows).toBeNull()
  })
})
