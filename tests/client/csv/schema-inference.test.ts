import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { inferCsvSchema } from '../../../client/data/csv/infer-csv'
import { readCsv } from '../../../client/data/csv/read-csv'
import { DataHandler } from '../../../shared/data/data-handler'
import { taskSchemaSchema } from '../../../shared/tasks/schema'
import { outwardRange } from '../../../shared/tasks/schema-inference'

const clinicA = readFileSync('examples/clinic-a.csv', 'utf8')

describe('inferring a task schema from a CSV', () => {
  it('types every column of clinic-a.csv from its values, with the label and its classes', async () => {
    const inferred = await inferCsvSchema(clinicA)
    if (!inferred.ok) throw new Error(inferred.message)
    expect(inferred.rows).toBe(400)
    const byName = new Map(inferred.schema.features.map((f) => [f.name, f]))
    expect([...byName.keys()]).toEqual([
      'age',
      'bmi',
      'glucose',
      'blood_pressure',
      'hba1c',
      'activity_hours',
      'family_history',
      'smoker',
      'region',
    ])
    expect(byName.get('age')).toMatchObject({ type: 'integer' })
    expect(byName.get('bmi')).toMatchObject({ type: 'numeric' })
    expect(byName.get('smoker')).toEqual({ name: 'smoker', type: 'boolean' })
    expect(byName.get('region')).toEqual({
      name: 'region',
      type: 'categorical',
      categories: ['east', 'north', 'south', 'west'],
    })
    expect(inferred.schema.label).toEqual({ name: 'diabetes', classes: ['no', 'yes'] })
    expect(taskSchemaSchema.safeParse(inferred.schema).success).toBe(true)
    // The ranges hold every value, so the file reads through its own schema with nothing dropped or clipped.
    const { report } = await readCsv(clinicA, 'clinic-a.csv', inferred.schema)
    expect(report.fatal).toBeNull()
    expect(report.rows).toEqual({ total: 400, valid: 400, dropped: 0 })
    expect(report.issues).toEqual([])
    expect(inferred.columns.find((c) => c.name === 'diabetes')).toMatchObject({ role: 'label' })
  })

  it('rounds ranges outward, never to a point, and keeps the exact bounds where rounding overflows', () => {
    expect(outwardRange(18, 90, true)).toEqual([15, 90])
    expect(outwardRange(71, 247, true)).toEqual([50, 250])
    expect(outwardRange(4.1, 8.7, false)).toEqual([4, 9])
    expect(outwardRange(0.12, 0.13, false)).toEqual([0.12, 0.13])
    expect(outwardRange(3, 3, true)).toEqual([3, 4])
    expect(outwardRange(-1.7e308, 1.7e308, false)).toEqual([-1.7e308, 1.7e308])
    const [lo, hi] = outwardRange(0.1, 0.3, false)
    expect(lo).toBeLessThanOrEqual(0.1)
    expect(hi).toBeGreaterThanOrEqual(0.3)
  })

  it('leaves out what cannot be a feature in a hostile file, saying why, and still yields a valid schema', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => i)
    const lines = ids.map(
      (i) =>
        `${i % 2 ? 'yes' : 'no'},id-${i},${i % 7 === 0 ? 'NA' : 10 + (i % 13) / 2},${i === 5 ? 'abc' : i},"${'x'.repeat(i === 3 ? 150 : 1)}",same,,=cmd|${i % 3},${1e308 * (i % 2 ? 1 : -1)},${i % 2 ? 'pos' : 'neg'}`,
    )
    const csv = [
      'outcome,__proto__,score,visits,notes,constant,empty,formula,huge,outcome',
      ...lines,
      '1,2,3',
      '',
    ].join('\n')
    const inferred = await inferCsvSchema(csv)
    if (!inferred.ok) throw new Error(inferred.message)
    expect(taskSchemaSchema.safeParse(inferred.schema).success).toBe(true)
    // The first "outcome" is the label (named so); the second is a duplicate name and is left out.
    expect(inferred.schema.label).toEqual({ name: 'outcome', classes: ['no', 'yes'] })
    const role = (name: string) => inferred.columns.filter((c) => c.name === name).map((c) => c.role)
    expect(role('__proto__')).toEqual(['left-out'])
    expect(role('outcome')).toEqual(['label', 'left-out'])
    expect(role('constant')).toEqual(['left-out'])
    expect(role('empty')).toEqual(['left-out'])
    expect(role('notes')).toEqual(['left-out'])
    const features = new Map(inferred.schema.features.map((f) => [f.name, f]))
    expect(features.get('score')).toMatchObject({ type: 'numeric', min: 10, max: 16 })
    // One "abc" among 59 numbers: still an integer column; the note says where the odd value is.
    expect(features.get('visits')).toMatchObject({ type: 'integer' })
    expect(inferred.columns.find((c) => c.name === 'visits')!.note).toMatch(/"abc" on line 7/)
    expect(features.get('formula')).toMatchObject({ type: 'categorical' })
    expect(features.get('huge')).toMatchObject({ type: 'integer', min: -1e308, max: 1e308 })
    expect(inferred.columns.at(-1)).toMatchObject({
      role: 'left-out',
      note: '1 row has more or fewer fields than the header',
    })
  })

  it('takes the label the caller names (the command line), and refuses one that cannot hold classes', () => {
    const schema = DataHandler.inferSchema(clinicA, 'region')
    expect(schema.label).toEqual({ name: 'region', classes: ['east', 'north', 'south', 'west'] })
    expect(schema.features.find((f) => f.name === 'diabetes')).toEqual({ name: 'diabetes', type: 'boolean' })
    expect(() => DataHandler.inferSchema(clinicA, 'glucose')).toThrow(
      /^label "glucose" has more than 50 distinct values/,
    )
    expect(() => DataHandler.inferSchema(clinicA, 'nope')).toThrow(/^line 1: no column "nope"/)
  })

  it('refuses files it cannot infer from, with the reason', async () => {
    const fail = async (csv: string) => {
      const r = await inferCsvSchema(csv)
      return r.ok ? 'inferred' : r.message
    }
    expect(await fail('')).toBe('the file is empty')
    expect(await fail('a,b\n')).toMatch(/no data rows/)
    expect(await fail('1,2,3\n4,5,6\n')).toMatch(/^the first line holds values/)
    expect(await fail('a,b\n1,"2\n3,4\n')).toMatch(/never closed/)
    const measured = Array.from({ length: 60 }, (_, i) => `a${i},${i % 20}.5`).join('\n')
    expect(await fail(`id,amount\n${measured}\n`)).toMatch(/no column can be the label/)
    expect(await fail('a,b\nx,1\nx,0\n')).toMatch(/no column besides the label/)
  })
})
