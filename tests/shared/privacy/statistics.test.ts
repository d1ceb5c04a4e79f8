import { describe, expect, it } from 'vitest'
import { PrivacyBudget } from '../../../shared/privacy/budget'
import { privatizeDataFrame } from '../../../shared/privacy/dataframe'
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

  it('adds calibrated noise to numeric columns and randomized response to categories; reports the cost', () => {
    const random = seededRandom(5)
    const { frame: out, spent } = privatizeDataFrame(
      frame,
      [
        { column: 'age', kind: 'numeric', sensitivity: 1, mechanism: 'laplace' },
        { column: 'region', kind: 'categorical', categories: ['north', 'south', 'east', 'west'] },
      ],
      { epsilon: 2 },
      random,
    )
    expect(spent).toEqual({ epsilon: 2, delta: 0 })
    const ages = out.get('age') as number[]
    const std = Math.sqrt(ages.reduce((s, v) => s + (v - 40) ** 2, 0) / ages.length)
    expect(Math.abs(std / Math.SQRT2 - 1)).toBeLessThan(0.05) // scale = 1 / (2 / 2 columns) = 1
    const kept = (out.get('region') as string[]).filter((r) => r === 'north').length / 20_000
    const expected = Math.E / (Math.E + 3)
    const standardError = Math.sqrt((expected * (1 - expected)) / 20_000)
    expect(Math.abs(kept - expected)).toBeLessThan(3 * standardError)
  })

  it('names a missing column and a missing delta', () => {
    expect(() =>
      privatizeDataFrame(
        frame,
        [{ column: 'income', kind: 'numeric', sensitivity: 1, mechanism: 'laplace' }],
        { epsilon: 1 },
      ),
    ).toThrow('column: no column "income"; the data has age, region')
    expect(() =>
      privatizeDataFrame(frame, [{ column: 'age', kind: 'numeric', sensitivity: 1, mechanism: 'gaussian' }], {
        epsilon: 1,
      }),
    ).toThrow('delta: must be a finite number')
  })
})
