import { describe, expect, it } from 'vitest'
import { PrivacyParameterError } from '../../../../shared/privacy/parameters'
import { decodeCell, discreteColumns, encodeFrame } from '../../../../shared/privacy/synthetic/discretize'
import { seededRandom } from '../../../../shared/random'
import type { TaskSchema } from '../../../../shared/tasks/schema'

const schema: TaskSchema = {
  features: [
    { name: 'age', type: 'integer', min: 18, max: 90 },
    { name: 'rooms', type: 'integer', min: 1, max: 4 },
    { name: 'bmi', type: 'numeric', min: 15, max: 55 },
    { name: 'smoker', type: 'boolean' },
    { name: 'region', type: 'categorical', categories: ['north', 'south', 'east'] },
  ],
  label: { name: 'diabetes', classes: ['no', 'yes'] },
  missing: 'drop-row',
}

describe('discretizing columns from the schema', () => {
  it('bins numeric columns over the declared range; small integer ranges get one cell per value', () => {
    const columns = discreteColumns(schema, 8)
    expect(columns.map((c) => [c.name, c.size])).toEqual([
      ['age', 8],
      ['rooms', 4],
      ['bmi', 8],
      ['smoker', 2],
      ['region', 3],
      ['diabetes', 2],
    ])
  })

  it('encodes values to cells and decodes every cell to a value inside it', () => {
    const columns = discreteColumns(schema, 8)
    const frame = new Map<string, (number | string)[]>([
      ['age', [18, 90, 54]],
      ['rooms', [1, 4, 2]],
      ['bmi', [15, 55, 35.01]],
      ['smoker', [0, 1, '1']],
      ['region', ['north', 'east', 'south']],
      ['diabetes', ['no', 'yes', 'no']],
    ])
    const { codes, rows } = encodeFrame(frame, columns)
    expect(rows).toBe(3)
    expect(codes.map((c) => [...c])).toEqual([
      [0, 7, 3],
      [0, 3, 1],
      [0, 7, 4],
      [0, 1, 1],
      [0, 2, 1],
      [0, 1, 0],
    ])
    const random = seededRandom(1)
    columns.forEach((column, i) => {
      for (let cell = 0; cell < column.size; cell++) {
        for (let k = 0; k < 300; k++) {
          const value = decodeCell(column, cell, random)
          const back = encodeFrame(new Map([[column.name, [value]]]), [column]).codes[0]![0]
          expect(back, `${column.name} cell ${cell} -> ${value}`).toBe(cell)
          if (column.kind === 'integer') expect(Number.isInteger(value)).toBe(true)
        }
      }
      expect(i).toBeGreaterThanOrEqual(0)
    })
  })

  it('refuses a one-category column, too few bins, a value outside the domain, a missing column', () => {
    const oneClass = { ...schema, label: { name: 'diabetes', classes: ['no'] } }
    expect(() => discreteColumns(oneClass)).toThrow(/diabetes: a column needs at least two values/)
    const oneValue: TaskSchema = { ...schema, features: [{ name: 'n', type: 'integer', min: 3, max: 3.5 }] }
    expect(() => discreteColumns(oneValue)).toThrow(/n: a column needs at least two values/)
    expect(() => discreteColumns(schema, 1)).toThrow(PrivacyParameterError)
    const columns = discreteColumns(schema)
    const frame = new Map<string, (number | string)[]>(columns.map((c) => [c.name, [0]]))
    frame.set('region', ['west'])
    frame.set('diabetes', ['no'])
    expect(() => encodeFrame(frame, columns)).toThrow(/region: row 1 holds "west", outside its domain/)
    frame.delete('bmi')
    expect(() => encodeFrame(frame, columns)).toThrow(/no column "bmi"/)
  })
})
