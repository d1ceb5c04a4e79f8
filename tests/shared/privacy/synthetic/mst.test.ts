import { describe, expect, it } from 'vitest'
import { DataHandler } from '../../../../shared/data/data-handler'
import { GENERATORS } from '../../../../shared/data/generators'
import { frameToCsv, readDatasetFrame } from '../../../../shared/market/dataset-frame'
import { PrivacyParameterError } from '../../../../shared/privacy/parameters'
import { discreteColumns, encodeFrame } from '../../../../shared/privacy/synthetic/discretize'
import { marginalError } from '../../../../shared/privacy/synthetic/marginals'
import { syntheticCopy } from '../../../../shared/privacy/synthetic/mst'
import { seededRandom } from '../../../../shared/random'
import type { TaskSchema } from '../../../../shared/tasks/schema'

const table = DataHandler.generate(GENERATORS.medical, 1500, 3)
const schema = table.schema
const frame = readDatasetFrame(DataHandler.toCsv(table), schema).frame

const errorOf = (copy: ReadonlyMap<string, readonly (number | string)[]>) => {
  const columns = discreteColumns(schema)
  return marginalError(
    encodeFrame(frame, columns).codes,
    encodeFrame(copy, columns).codes,
    columns.map((c) => c.size),
  )
}

describe('MST synthetic copies (McKenna, Miklau and Sheldon 2021)', () => {
  it.each([0.5, 2, 8])(
    'spends exactly the epsilon it is given (%s), split over its measurements',
    (epsilon) => {
      const copy = syntheticCopy(frame, schema, epsilon, { random: seededRandom(1) })
      expect(Math.abs(copy.spent.epsilon - epsilon)).toBeLessThan(1e-12)
      expect(copy.spent.parts.map((p) => p.what)).toEqual([
        '9 one-way marginals',
        'tree selection (8 exponential-mechanism steps)',
        '8 two-way marginals',
      ])
      expect(copy.spent.parts.every((p) => p.epsilon > 0)).toBe(true)
      // Discrete Laplace at sensitivity 2 per marginal: scale 2·9 / (epsilon/3) for the nine 1-way marginals.
      expect(copy.spent.parts[0]!.noiseScale).toBeCloseTo((2 * 9) / (epsilon / 3), 9)
      expect(copy.tree).toHaveLength(8)
    },
  )

  it('with two columns there is one tree: no selection, its share goes to the pair', () => {
    const small: TaskSchema = { ...schema, features: [schema.features[2]!] }
    const copy = syntheticCopy(frame, small, 1, { random: seededRandom(2) })
    expect(copy.spent.parts.map((p) => [p.what, p.epsilon.toFixed(4)])).toEqual([
      ['2 one-way marginals', '0.3333'],
      ['1 two-way marginals', '0.6667'],
    ])
    expect(copy.spent.epsilon).toBeCloseTo(1, 12)
  })

  it('makes as many rows as the data, with the same columns, every value inside its declared domain', () => {
    const copy = syntheticCopy(frame, schema, 2, { random: seededRandom(3) })
    expect([...copy.frame.keys()]).toEqual([...frame.keys()])
    const back = readDatasetFrame(frameToCsv(copy.frame), schema)
    expect(back.problems).toEqual([])
    expect(back.rows).toBe(1500)
  })

  it('is reproducible under a seed, and closer to the data at a larger epsilon', () => {
    const a = syntheticCopy(frame, schema, 2, { random: seededRandom(4) })
    const b = syntheticCopy(frame, schema, 2, { random: seededRandom(4) })
    expect(frameToCsv(a.frame)).toBe(frameToCsv(b.frame))
    const loose = errorOf(syntheticCopy(frame, schema, 0.5, { random: seededRandom(5) }).frame)
    const tight = errorOf(syntheticCopy(frame, schema, 50, { random: seededRandom(5) }).frame)
    expect(tight).toBeLessThan(0.06)
    expect(loose).toBeGreaterThan(tight)
  })

  it('keeps the label tied to its strongest predictor at a large epsilon', () => {
    const copy = syntheticCopy(frame, schema, 50, { random: seededRandom(6) })
    const touching = copy.tree.filter((e) => e.includes('diabetes')).flat()
    expect(touching.some((name) => name === 'glucose' || name === 'hba1c')).toBe(true)
  })

  it('refuses epsilon <= 0, an empty frame, a one-category column', () => {
    const random = seededRandom(7)
    for (const epsilon of [0, -1, Number.NaN])
      expect(() => syntheticCopy(frame, schema, epsilon, { random })).toThrow(PrivacyParameterError)
    const empty = new Map([...frame.keys()].map((k) => [k, [] as (number | string)[]]))
    expect(() => syntheticCopy(empty, schema, 1, { random })).toThrow(/frame: has no rows to synthesize from/)
    const oneClass = { ...schema, label: { ...schema.label, classes: ['no'] } }
    expect(() => syntheticCopy(frame, oneClass, 1, { random })).toThrow(
      /diabetes: a column needs at least two values/,
    )
  })
})
