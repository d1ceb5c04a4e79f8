import { describe, expect, it } from 'vitest'
import { krum, krumPrecondition, krumScores, multiKrum } from '../../../../shared/aggregation/robust/krum'
import { normalVectors, SEEDS, seeded, v } from './fixtures'

describe('Krum and Multi-Krum (Blanchard et al. 2017)', () => {
  it('scores each update by its squared distances to its n - f - 2 nearest others', () => {
    // On a line: 0, 1, 3, 10, 30. n 5, f 1: two nearest.
    const updates = [v(0), v(1), v(3), v(10), v(30)]
    expect(krumScores(updates, 1)).toEqual([1 + 9, 1 + 4, 4 + 9, 49 + 81, 400 + 729])
    expect(krum(updates, 1)).toBe(1)
    expect(multiKrum(updates, 1, 3)).toEqual([1, 0, 2])
  })

  it('picks an honest update among outliers (property, seeded)', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const f = 1 + Math.floor(random() * 3)
      const n = 2 * f + 3 + Math.floor(random() * 4)
      const honest = normalVectors(random, n - f, 8)
      const outliers = normalVectors(random, f, 8, 50)
      const slots = [...honest, ...outliers]
      const picked = krum(slots, f)
      expect(picked).toBeLessThan(n - f)
      for (const i of multiKrum(slots, f, n - f)) expect(i).toBeLessThan(n - f)
    }
  })

  it('picks the honest cluster against colluding outliers that agree with each other', () => {
    const honest = [v(1, 1), v(1.1, 0.9), v(0.9, 1.1), v(1, 1.05), v(0.95, 1)]
    const colluders = [v(1e6, 1e6), v(1e6, 1e6)]
    expect(krum([...colluders, ...honest], 2)).toBeGreaterThanOrEqual(2)
  })

  it('breaks ties by the lower index', () => {
    expect(krum([v(0), v(0), v(0), v(0), v(0)], 1)).toBe(0)
    expect(multiKrum([v(5), v(0), v(0), v(0), v(0)], 1, 2)).toEqual([1, 2])
  })

  it('refuses n <= 2f + 2 with a message naming n and f', () => {
    expect(krumPrecondition(5, 1)).toBeNull()
    expect(krumPrecondition(4, 1)).toMatch(/n = 4 with f = 1/)
    expect(() => krum([v(0), v(1), v(2)], 1)).toThrow(
      /n > 2f \+ 2 updates: n = 3 with f = 1 needs at least 5/,
    )
    expect(() => krum([v(0), v(1)], 0)).toThrow(/n = 2 with f = 0/)
    expect(() => multiKrum([v(0), v(1), v(2)], 0, 4)).toThrow(/m must be/)
    expect(() => krum([], 0)).toThrow(/no updates/)
  })
})
