import { describe, expect, it } from 'vitest'
import { DataHandler } from '../../../shared/data/data-handler'
import { GENERATORS } from '../../../shared/data/generators'
import { copyColumns } from '../../../shared/market/anonymized-copy'
import {
  type CategoricalColumnNoise,
  debiasedShares,
  expectedCopyShares,
  type NumericColumnNoise,
  perRowCopyNoise,
} from '../../../shared/market/copy-noise'
import { readDatasetFrame } from '../../../shared/market/dataset-frame'
import { privatizeDataFrame } from '../../../shared/privacy/dataframe'
import { seededRandom } from '../../../shared/random'

const table = DataHandler.generate(GENERATORS.medical, 20_000, 5)
const schema = table.schema
const { frame } = readDatasetFrame(DataHandler.toCsv(table), schema)
const rows = frame.get(schema.label.name)!.length

describe('perRowCopyNoise', () => {
  it('states the discrete Laplace scale range / (epsilon / columns), its grid, and the randomized-response flip rate', () => {
    const u = perRowCopyNoise(schema, 2)
    expect(u.perColumnEpsilon).toBeCloseTo(2 / 9, 12) // 6 numeric, 2 booleans, the label
    const age = u.columns.find((c) => c.column === 'age') as NumericColumnNoise
    // An integer column on a grid of 1; its scale rounded up to 2^-16 of a step, never below range / epsilon.
    expect(age.granularity).toBe(1)
    expect(age.scale).toBeGreaterThanOrEqual(72 / (2 / 9))
    expect(age.scale - 72 / (2 / 9)).toBeLessThanOrEqual(2 ** -16)
    const q = Math.exp(-1 / age.scale)
    expect(age.noiseStd).toBeCloseTo(Math.sqrt(2 * q) / (1 - q), 9)
    expect(age.noiseStd / (age.scale * Math.SQRT2)).toBeCloseTo(1, 5)
    const label = u.columns.find((c) => c.column === 'diabetes') as CategoricalColumnNoise
    const e = Math.exp(2 / 9)
    expect(label.flipRate).toBeCloseTo(1 - e / (e + 1), 12)
  })

  it.each([1, 2, 8])(
    'matches what the copy mechanism does, measured on seeded copies (epsilon %d)',
    (epsilon) => {
      const u = perRowCopyNoise(schema, epsilon)
      const { frame: copy } = privatizeDataFrame(
        frame,
        copyColumns(schema),
        { epsilon },
        seededRandom(epsilon),
      )
      for (const c of u.columns) {
        const truth = frame.get(c.column)!
        const noised = copy.get(c.column)!
        if (c.kind === 'numeric') {
          const errors = noised.map((v, i) => (v as number) - (truth[i] as number))
          const mae = errors.reduce((s, e) => s + Math.abs(e), 0) / rows
          const std = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / rows)
          const within95 = errors.filter((e) => Math.abs(e) <= c.error95).length / rows
          // E|Z| is about b with sd about b: the sample MAE over 20,000 rows is within 3% (about 4 standard errors).
          expect(noised.every((v) => Number.isInteger((v as number) / c.granularity))).toBe(true)
          expect(Math.abs(mae / c.meanAbsError - 1), `${c.column} MAE`).toBeLessThan(0.03)
          expect(Math.abs(std / c.noiseStd - 1), `${c.column} std`).toBeLessThan(0.05)
          expect(Math.abs(within95 - 0.95), `${c.column} 95% band`).toBeLessThan(0.006)
        } else {
          const flipped = noised.filter((v, i) => v !== String(truth[i])).length / rows
          const se = Math.sqrt((c.flipRate * (1 - c.flipRate)) / rows)
          expect(Math.abs(flipped - c.flipRate), `${c.column} flips`).toBeLessThan(4 * se)
          const share = (col: readonly (number | string)[], v: string) =>
            col.filter((x) => String(x) === v).length / rows
          const trueShares = c.categories.map((v) => share(truth, v))
          const copyShares = c.categories.map((v) => share(noised, v))
          expectedCopyShares(trueShares, c.keep).forEach((s, j) => {
            expect(Math.abs(copyShares[j]! - s), `${c.column} share`).toBeLessThan(4 * Math.sqrt(0.25 / rows))
          })
          debiasedShares(copyShares, c.keep).forEach((s, j) => {
            const se = Math.sqrt(0.25 / rows) / (2 * c.keep - 1)
            expect(Math.abs(s - trueShares[j]!), `${c.column} debiased`).toBeLessThan(4 * se)
          })
        }
      }
    },
  )
})
