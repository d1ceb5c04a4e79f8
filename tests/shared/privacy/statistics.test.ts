import { describe, expect, it } from 'vitest'
import { PrivacyBudget } from '../../../shared/privacy/budget'
import { type ColumnPrivacy, privatizeDataFrame } from '../../../shared/privacy/dataframe'
import {
  privateCount,
  privateHistogram,
  privateMean,
  privateStd,
  privateSum,
} from '../../../shared/privacy/statistics'
import { seededRandom } from '../../../shared/random'

describe('private statistics', () => {
  const values = Array.from({ length: 5000 }, (_, i) => (i % 100) / 10) // mean 4.95, std about 2.89

  it('are unbiased and as noisy as their calibration says', () => {
    const random = seededRandom(1)
    const counts = Array.from({ length: 4000 }, () => privateCount(1000, 0.5, random).value)
    const mean = counts.reduce((s, v) => s + v, 0) / counts.length
    const std = Math.sqrt(counts.reduce((s, v) => s + (v - mean) ** 2, 0) / counts.length)
    expect(mean).toBeCloseTo(1000, 0)
    expect(Math.abs(std / (Math.SQRT2 * 2) - 1)).toBeLessThan(0.05)
  })

  it('clamp to their bounds: a huge value moves the sum by at most the bound', () => {
    const random = seededRandom(2)
    const withOutlier = privateSum([...values, 1e9], { lower: 0, upper: 10 }, 1000, random).value
    expect(withOutlier - values.reduce((s, v) => s + v, 0)).toBeLessThan(10.1)
  })

  it('estimate mean and std at a generous epsilon, and report what they spent', () => {
    const random = seededRandom(3)
    const mean = privateMean(values, { lower: 0, upper: 10 }, 5, random)
    expect(mean.value).toBeCloseTo(4.95, 1)
    expect(mean.epsilon).toBe(5)
    expect(privateStd(values, { lower: 0, upper: 10 }, 5, random).value).toBeCloseTo(2.886, 1)
    expect(() => privateMean(values, { lower: 3, upper: 3 }, 1)).toThrow('bounds: need finite lower < upper')
  })

  it('histograms count categories with Laplace noise, floored at zero', () => {
    const { counts } = privateHistogram(['a', 'a', 'b', 'zzz'], ['a', 'b', 'c'], 50, seededRandom(4))
    expect([...counts.keys()]).toEqual(['a', 'b', 'c'])
    expect(counts.get('a')).toBeCloseTo(2, 0)
    expect([...counts.values()].every((n) => n >= 0)).toBe(true)
  })
})

describe('privacy budget', () => {
  it('refuses a release that would exceed it and spends nothing then', () => {
    const budget = new PrivacyBudget({ epsilon: 1, delta: 1e-5 })
    expect(budget.spend('mean age', { epsilon: 0.6, delta: 0 }).ok).toBe(true)
    const refused = budget.spend('mean income', { epsilon: 0.5, delta: 0 })
    expect(refused).toMatchObject({ ok: false, error: { code: 'over-budget' } })
    expect(!refused.ok && refused.error.message).toMatch(
      /mean income needs epsilon 0.5, delta 0; the budget has epsilon 0.4000, delta 0.00001 left/,
    )
    expect(budget.spent.epsilon).toBeCloseTo(0.6)
    expect(budget.spend('count', { epsilon: 0.4, delta: 0 }).ok).toBe(true)
    expect(() => new PrivacyBudget({ epsilon: 0, delta: 0 })).toThrow('budget.epsilon: must be positive')
  })
})

describe('privatizeDataFrame', () => {
  const frame = new Map<string, (number | string)[]>([
    ['age', Array.from({ length: 20_000 }, () => 40)],
    ['region', Array.from({ length: 20_000 }, () => 'north')],
  ])

  it('adds calibrated discrete noise on a grid to numeric columns and randomized response to categories; reports the cost', () => {
    const random = seededRandom(5)
    const { frame: out, spent } = privatizeDataFrame(
      frame,
      [
        { column: 'age', kind: 'numeric', lower: 40, upper: 41, mechanism: 'laplace' },
        { column: 'region', kind: 'categorical', categories: ['north', 'south', 'east', 'west'] },
      ],
      { epsilon: 2 },
      random,
    )
    expect(spent).toEqual({ epsilon: 2, delta: 0 })
    const ages = out.get('age') as number[]
    // Range 1 on a grid of 2^-10: 1024 steps at epsilon 1 per column, so the scale is 1 (in years), std about sqrt 2.
    expect(ages.every((a) => Number.isInteger(a * 1024))).toBe(true)
    const std = Math.sqrt(ages.reduce((s, v) => s + (v - 40) ** 2, 0) / ages.length)
    expect(Math.abs(std / Math.SQRT2 - 1)).toBeLessThan(0.05)
    const kept = (out.get('region') as string[]).filter((r) => r === 'north').length / 20_000
    const expected = Math.E / (Math.E + 3)
    const standardError = Math.sqrt((expected * (1 - expected)) / 20_000)
    expect(Math.abs(kept - expected)).toBeLessThan(3 * standardError)
  })

  it('clamps values into the bounds before noising, and after when asked (post-processing)', () => {
    const wild = new Map<string, (number | string)[]>([['age', [1e9, -1e9, 50]]])
    const column = {
      column: 'age',
      kind: 'numeric',
      lower: 0,
      upper: 100,
      integer: true,
      mechanism: 'laplace',
    } as const
    // At epsilon 1e4 the noise scale is 100 / 1e4 grid steps: the draw is 0 but with probability about 1e-43.
    const { frame: out } = privatizeDataFrame(wild, [column], { epsilon: 1e4 }, seededRandom(6))
    expect(out.get('age')).toEqual([100, 0, 50])
    const { frame: noisy } = privatizeDataFrame(
      wild,
      [{ ...column, clampOutput: true }],
      { epsilon: 0.1 },
      seededRandom(7),
    )
    expect((noisy.get('age') as number[]).every((a) => a >= 0 && a <= 100 && Number.isInteger(a))).toBe(true)
  })

  it('uses the discrete Gaussian for Gaussian columns, with the spread its calibration gives', () => {
    const { frame: out, spent } = privatizeDataFrame(
      frame,
      [{ column: 'age', kind: 'numeric', lower: 0, upper: 100, integer: true, mechanism: 'gaussian' }],
      { epsilon: 1, delta: 1e-5 },
      seededRandom(8),
    )
    expect(spent).toEqual({ epsilon: 1, delta: 1e-5 })
    const ages = out.get('age') as number[]
    expect(ages.every(Number.isInteger)).toBe(true)
    const std = Math.sqrt(ages.reduce((s, v) => s + (v - 40) ** 2, 0) / ages.length)
    // zCDP calibration (CKS 2020, Cor. 13) for sensitivity 100 at (1, 1e-5): sigma about 4.05 sensitivities, a
    // little above the analytic Gaussian's 3.73.
    expect(std / 100).toBeGreaterThan(3.73)
    expect(std / 100).toBeLessThan(5)
  })

  it('names a missing column, missing or bad bounds, and a missing delta', () => {
    expect(() =>
      privatizeDataFrame(
        frame,
        [{ column: 'income', kind: 'numeric', lower: 0, upper: 1, mechanism: 'laplace' }],
        { epsilon: 1 },
      ),
    ).toThrow('column: no column "income"; the data has age, region')
    const unbounded = { column: 'age', kind: 'numeric', mechanism: 'laplace' } as unknown as ColumnPrivacy
    expect(() => privatizeDataFrame(frame, [unbounded], { epsilon: 1 })).toThrow(
      'age.bounds: column "age" needs finite bounds [lower, upper] to be anonymized',
    )
    expect(() =>
      privatizeDataFrame(
        frame,
        [{ column: 'age', kind: 'numeric', lower: 5, upper: 5, mechanism: 'laplace' }],
        {
          epsilon: 1,
        },
      ),
    ).toThrow('age.bounds: need lower < upper, got [5, 5]')
    expect(() =>
      privatizeDataFrame(
        frame,
        [{ column: 'age', kind: 'numeric', lower: 0, upper: 1, granularity: 0.3, mechanism: 'laplace' }],
        { epsilon: 1 },
      ),
    ).toThrow('age.granularity: must be a power of two')
    expect(() =>
      privatizeDataFrame(
        frame,
        [{ column: 'age', kind: 'numeric', lower: 0, upper: 1, mechanism: 'gaussian' }],
        {
          epsilon: 1,
        },
      ),
    ).toThrow('delta: must be a finite number')
  })
})
