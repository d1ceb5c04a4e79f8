import { describe, expect, it } from 'vitest'
import { DataHandler } from '../../../shared/data/data-handler'
import { GENERATORS } from '../../../shared/data/generators'
import { anonymizedCopy } from '../../../shared/market/anonymized-copy'
import { copyPreview } from '../../../shared/market/copy-preview'
import { readDatasetFrame } from '../../../shared/market/dataset-frame'
import { seededRandom } from '../../../shared/random'

describe('copyPreview', () => {
  const table = DataHandler.generate(GENERATORS.medical, 300, 2)
  const schema = table.schema
  const { frame } = readDatasetFrame(DataHandler.toCsv(table), schema)

  it('shows the first rows and per-column figures of a delivered copy, noised values out of range included', () => {
    const copy = anonymizedCopy(frame, schema, 2, seededRandom(9))
    const p = copyPreview(copy.csv, schema, 5)
    expect(p.rows).toBe(300)
    expect(p.header).toEqual([...copy.frame.keys()])
    expect(p.first).toHaveLength(5)
    expect(Number(p.first[0]![0])).toBeCloseTo(copy.frame.get('age')![0] as number, 6)
    const age = p.columns.find((c) => c.name === 'age')!
    const ages = copy.frame.get('age') as number[]
    expect(age).toMatchObject({ kind: 'numeric', count: 300, invalid: 0 })
    if (age.kind !== 'numeric') throw new Error('age is numeric')
    expect(age.mean).toBeCloseTo(ages.reduce((s, v) => s + v, 0) / 300, 6)
    expect(age.min).toBe(Math.min(...ages))
    expect(age.min).toBeLessThan(18) // noise at epsilon 2 over 9 columns leaves the declared range
    const label = p.columns.find((c) => c.name === 'diabetes')!
    if (label.kind !== 'categorical') throw new Error('the label is categorical')
    expect(label.shares.map((s) => s.value)).toEqual(['no', 'yes'])
    expect(label.shares.reduce((s, v) => s + v.share, 0) + label.other).toBeCloseTo(1, 12)
  })

  it('reads what a hostile seller sends as text: unknown categories, non-numbers, escaped formulas', () => {
    const csv = "age,smoker,diabetes\r\n'=1+1,2,maybe\r\n40,1,yes\r\n"
    const p = copyPreview(csv, {
      ...schema,
      features: schema.features.filter((f) => ['age', 'smoker'].includes(f.name)),
    })
    expect(p.first[0]).toEqual(['=1+1', '2', 'maybe'])
    expect(p.columns[0]).toMatchObject({ name: 'age', count: 1, invalid: 1, mean: 40 })
    expect(p.columns[1]).toMatchObject({ name: 'smoker', other: 0.5 })
    expect(p.columns[2]).toMatchObject({ name: 'diabetes', other: 0.5 })
  })
})
