import { describe, expect, it } from 'vitest'
import { classBalance } from '../../client/data/dataset'
import { generateDiabetesPartition } from '../../client/data/diabetes-demo'
import { DIABETES_FEATURES } from '../../shared/tasks/diabetes-demo'

describe('built-in diabetes demo data', () => {
  it('is reproducible from the seed and index', () => {
    const a = generateDiabetesPartition({ index: 1, seed: 7 })
    const b = generateDiabetesPartition({ index: 1, seed: 7 })
    expect(Array.from(a.train.x.slice(0, 16))).toEqual(Array.from(b.train.x.slice(0, 16)))
  })

  it('gives each tab different rows, sizes and label balance', () => {
    const parts = [1, 2, 3, 4].map((index) => generateDiabetesPartition({ index, seed: 7 }))
    const positives = parts.map((p) => classBalance(p.train.y, 2)[1]!)
    expect(new Set(parts.map((p) => p.train.count + p.test.count)).size).toBeGreaterThan(1)
    expect(Math.max(...positives) - Math.min(...positives)).toBeGreaterThan(0.1)
    expect(parts[0]!.train.x[0]).not.toBe(parts[1]!.train.x[0])
  })

  it('splits 80/20, standardises features and keeps labels binary', () => {
    const p = generateDiabetesPartition({ index: 2, seed: 3 })
    const rows = p.train.count + p.test.count
    expect(p.test.count).toBe(Math.round(rows * 0.2))
    expect(p.features).toBe(DIABETES_FEATURES.length)
    expect(p.train.x.length).toBe(p.train.count * p.features)
    expect(p.train.y.every((y) => y === 0 || y === 1)).toBe(true)
    const ages = Array.from({ length: p.train.count }, (_, i) => p.train.x[i * p.features]!)
    const mean = ages.reduce((s, v) => s + v, 0) / ages.length
    expect(Math.abs(mean)).toBeLessThan(0.5)
  })
})
