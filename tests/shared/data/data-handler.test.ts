import { describe, expect, it } from 'vitest'
import { DataHandler } from '../../../shared/data/data-handler'
import { GENERATOR_NAMES, GENERATORS } from '../../../shared/data/generators'
import { taskSchemaSchema } from '../../../shared/tasks/schema'

describe('DataHandler', () => {
  it.each(GENERATOR_NAMES)(
    'generates %s data: seeded, valid against its schema, both classes present',
    (name) => {
      const table = DataHandler.generate(GENERATORS[name], 600, 7)
      expect(taskSchemaSchema.parse(table.schema)).toEqual(table.schema)
      expect(DataHandler.generate(GENERATORS[name], 600, 7).rows).toEqual(table.rows)
      expect(DataHandler.generate(GENERATORS[name], 600, 8).rows).not.toEqual(table.rows)
      const positive =
        table.rows.filter((r) => r[table.schema.label.name] === table.schema.label.classes[1]).length / 600
      expect(positive).toBeGreaterThan(0.08)
      expect(positive).toBeLessThan(0.92)
      // Round trip through CSV: no row is dropped against the generated schema.
      const back = DataHandler.fromCsv(name, DataHandler.toCsv(table), table.schema)
      expect(back.dropped).toBe(0)
      expect(back.rows).toEqual(table.rows)
    },
  )

  it('infers a schema from a CSV and its label column, and names what is wrong', () => {
    const csv = DataHandler.toCsv(DataHandler.generate(GENERATORS.finance, 200, 1))
    const schema = DataHandler.inferSchema(csv, 'fraud')
    expect(schema.label).toEqual({ name: 'fraud', classes: ['no', 'yes'] })
    expect(schema.features.find((f) => f.name === 'merchant')).toMatchObject({ type: 'categorical' })
    expect(schema.features.find((f) => f.name === 'foreign')).toEqual({ name: 'foreign', type: 'boolean' })
    expect(() => DataHandler.inferSchema(csv, 'nope')).toThrow(/no column "nope"/)
    expect(() =>
      DataHandler.generate(
        { ...GENERATORS.finance, label: { ...GENERATORS.finance.label, weights: { ghost: 1 } } },
        10,
        1,
      ),
    ).toThrow(/unknown column "ghost"/)
  })

  it('splits non-IID by a Dirichlet split of the labels, IID evenly; holds out a stratified test share', () => {
    const table = DataHandler.generate(GENERATORS.medical, 2000, 3)
    const { train, test } = DataHandler.holdOut(table, 0.2, 1)
    expect(test.rows.length).toBe(400)
    expect(train.rows.length + test.rows.length).toBe(2000)
    const share = (rows: readonly Record<string, unknown>[]) =>
      rows.filter((r) => r['diabetes'] === 'yes').length / rows.length
    const skewed = DataHandler.split(train, 5, 0.3, 9).map((p) => share(p.rows))
    const even = DataHandler.split(train, 5, Number.POSITIVE_INFINITY, 9)
    expect(Math.max(...skewed) - Math.min(...skewed)).toBeGreaterThan(0.3)
    expect(even.map((p) => p.rows.length)).toEqual([320, 320, 320, 320, 320])
    expect(DataHandler.split(train, 5, 0.3, 9).reduce((n, p) => n + p.rows.length, 0)).toBe(1600)
  })
})
