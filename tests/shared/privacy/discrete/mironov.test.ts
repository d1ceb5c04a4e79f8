import { describe, expect, it } from 'vitest'
import { floatReachable, gridReachable, mironovFigures } from '../../../../bench/support/mironov'
import { type ColumnPrivacy, columnNoise, privatizeDataFrame } from '../../../../shared/privacy/dataframe'
import { discreteLaplacePmf } from '../../../../shared/privacy/discrete/discrete-laplace'
import { laplaceNoise } from '../../../../shared/privacy/noise'
import { seededRandom } from '../../../../shared/random'

// The setting: ages 0 to 100 anonymized at epsilon 1 (one column: Laplace scale 100).
const age = {
  column: 'age',
  kind: 'numeric',
  lower: 0,
  upper: 100,
  integer: true,
  mechanism: 'laplace',
} as const satisfies ColumnPrivacy
const noise = columnNoise(age, 1, 0)
if (noise.kind !== 'laplace') throw new Error('expected Laplace noise')
const scale = noise.scale

describe("Mironov's check (2012) on the anonymizer", () => {
  it('no output of the grid mechanism rules out a neighbouring age, or any age in the range', () => {
    const pick = seededRandom(1)
    const ages = Array.from({ length: 500 }, () => Math.floor(pick() * 101))
    const copy = privatizeDataFrame(new Map([['age', ages]]), [age], { epsilon: 1 }).frame.get(
      'age',
    ) as number[]
    const figures = mironovFigures(
      ages.map((x, i) => [x, copy[i]!] as const),
      0,
      100,
      (y, x) => gridReachable(y, x, age, scale),
    )
    expect(figures).toEqual({ outputs: 500, ruleOutNeighbour: 0, candidatesRuledOut: 0, unexplained: 0 })
  })

  it('every output for x is a possible output for x + 1, at a likelihood ratio within e^(1/t) per step', () => {
    const random = seededRandom(2)
    const x = 37
    const outputs = privatizeDataFrame(
      new Map([['age', Array.from({ length: 20_000 }, () => x)]]),
      [age],
      { epsilon: 1 },
      random,
    ).frame.get('age') as number[]
    const perStep = Math.exp(1 / 100) * (1 + 1e-9)
    const acrossRange = Math.exp(1) * (1 + 1e-9)
    for (const y of new Set(outputs)) {
      expect(Number.isInteger(y)).toBe(true)
      expect(gridReachable(y, x + 1, age, scale)).toBe(true)
      const here = discreteLaplacePmf(y - x, scale)
      const next = discreteLaplacePmf(y - x - 1, scale)
      expect(next).toBeGreaterThan(0)
      expect(Math.max(here / next, next / here)).toBeLessThanOrEqual(perStep)
      // Any two ages in the range: at most e^epsilon apart, as the budget says.
      const low = discreteLaplacePmf(y - 0, scale)
      const high = discreteLaplacePmf(y - 100, scale)
      expect(Math.max(low / high, high / low)).toBeLessThanOrEqual(acrossRange)
    }
  })

  it('the same check finds the float mechanism it replaced leaking (most outputs rule out a neighbour)', () => {
    const pick = seededRandom(3)
    const samples = Array.from({ length: 200 }, () => {
      const x = Math.floor(pick() * 101)
      return [x, x + laplaceNoise(100, pick)] as const
    })
    const figures = mironovFigures(samples, 0, 100, (y, x) => floatReachable(y, x, 100))
    expect(figures.unexplained).toBe(0)
    expect(figures.ruleOutNeighbour).toBeGreaterThan(0.5)
  })
})
