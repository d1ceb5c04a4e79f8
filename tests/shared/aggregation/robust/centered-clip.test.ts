import { describe, expect, it } from 'vitest'
import { centeredClip } from '../../../../shared/aggregation/robust/centered-clip'
import { distance, expectCloseTo, mean, normalVectors, SEEDS, seeded, v } from './fixtures'

/** sum_i (x_i - c) * min(1, tau / ||x_i - c||): zero at a fixed point of centered clipping. */
function clippedPull(updates: readonly Float32Array[], c: ArrayLike<number>, tau: number): number[] {
  const pull = new Array<number>(c.length).fill(0)
  for (const x of updates) {
    const norm = distance(x, c)
    const factor = norm > tau ? tau / norm : 1
    for (let j = 0; j < c.length; j++) pull[j]! += (x[j]! - c[j]!) * factor
  }
  return pull
}

describe('centeredClip (Karimireddy et al. 2021)', () => {
  it('is the plain mean when every update lies within tau of the center', () => {
    const updates = [v(0.1, 0.2), v(-0.2, 0.1), v(0.4, -0.3)]
    const result = centeredClip(updates, { tau: 10, iterations: 1, center: null })
    const expected = mean(updates)
    expectCloseTo(result, expected)
    // And the mean is a fixed point: more iterations do not move it.
    const again = centeredClip(updates, { tau: 10, iterations: 5, center: null })
    expectCloseTo(again, expected)
  })

  it('converges to a fixed point where the clipped pulls cancel (property, seeded)', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const updates = normalVectors(random, 7, 4)
      updates.push(Float32Array.from({ length: 4 }, () => 1e6))
      const tau = 0.5 + random() * 2
      const result = centeredClip(updates, { tau, iterations: 100, center: null })
      const pull = clippedPull(updates, result, tau)
      expect(Math.hypot(...pull)).toBeLessThan(1e-3 * updates.length)
      // One more iteration from the fixed point stays there.
      const next = centeredClip(updates, { tau, iterations: 1, center: result })
      expect(distance(next, result)).toBeLessThan(1e-3)
    }
  })

  it('moves at most tau per iteration from its center, however large the updates', () => {
    const updates = [v(3.3e38, 3.3e38), v(-3e38, 1e38)]
    const center = v(1, 1)
    const result = centeredClip(updates, { tau: 2, iterations: 3, center })
    expect(distance(result, center)).toBeLessThanOrEqual(3 * 2 + 1e-6)
    expect(result.every(Number.isFinite)).toBe(true)
  })

  it('starts from the given center (the previous step) rather than zero', () => {
    const updates = [v(10), v(10)]
    expect([...centeredClip(updates, { tau: 1, iterations: 1, center: null })]).toEqual([1])
    expect([...centeredClip(updates, { tau: 1, iterations: 1, center: v(8) })]).toEqual([9])
  })

  it('refuses a bad tau, iteration count or center', () => {
    expect(() => centeredClip([v(1)], { tau: 0, iterations: 1, center: null })).toThrow(/tau/)
    expect(() => centeredClip([v(1)], { tau: 1, iterations: 0, center: null })).toThrow(/iterations/)
    expect(() => centeredClip([v(1)], { tau: 1, iterations: 1, center: v(1, 2) })).toThrow(/center/)
    expect(() => centeredClip([], { tau: 1, iterations: 1, center: null })).toThrow(/no updates/)
  })
})
