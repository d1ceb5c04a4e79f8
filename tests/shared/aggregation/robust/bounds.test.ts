import { describe, expect, it } from 'vitest'
import { contributionScore } from '../../../../shared/aggregation/robust/contribution'
import { boundFor, normBound } from '../../../../shared/aggregation/robust/norm-bound'
import { l2Norm, median } from '../../../../shared/aggregation/robust/vector-math'
import { weightCap } from '../../../../shared/aggregation/robust/weight-cap'
import { normalVectors, SEEDS, seeded, v } from './fixtures'

describe('normBound (Sun et al. 2019)', () => {
  const updates = [v(3, 4), v(0, 1), v(6, 8), v(300, 400)] // norms 5, 1, 10, 500

  it('sets an adaptive bound at a multiple of the median norm, a fixed bound, or none', () => {
    expect(boundFor([5, 1, 10, 500], { kind: 'adaptive', multiple: 2 })).toBe(15)
    expect(boundFor([5, 1, 10], { kind: 'fixed', value: 7 })).toBe(7)
    expect(boundFor([5, 1e300], { kind: 'off' })).toBe(Number.POSITIVE_INFINITY)
    expect(() => boundFor([1], { kind: 'adaptive', multiple: 0.5 })).toThrow(/at least 1/)
  })

  it('scales an update over the bound down to it, leaving the others and the inputs as they were', () => {
    const { bound, updates: out } = normBound(updates, { kind: 'adaptive', multiple: 2 }, 'clip')
    expect(bound).toBe(15)
    expect(out.map((u) => u.kind)).toEqual(['within', 'within', 'within', 'clipped'])
    const clipped = out[3]!
    expect(clipped.kind === 'clipped' && [...clipped.values]).toEqual([9, 12])
    expect(clipped).toMatchObject({ from: 500, to: 15 })
    expect(out[0]!.kind === 'within' && out[0]!.values).toBe(updates[0])
    expect([...updates[3]!]).toEqual([300, 400])
  })

  it('or leaves it out', () => {
    const { updates: out } = normBound(updates, { kind: 'fixed', value: 5 }, 'reject')
    expect(out.map((u) => u.kind)).toEqual(['within', 'within', 'rejected', 'rejected'])
    expect(out[2]).toEqual({ kind: 'rejected', norm: 10, bound: 5 })
  })

  it('bounds every norm, keeps directions, and never touches a majority (property, seeded)', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const n = 1 + Math.floor(random() * 8)
      const xs = normalVectors(random, n, 5).map((x, i) => (i % 3 === 2 ? x.map((y) => y * 1e30) : x))
      const multiple = 1 + random() * 3
      const { bound, updates: out } = normBound(xs, { kind: 'adaptive', multiple }, 'clip')
      expect(bound).toBeCloseTo(multiple * median(xs.map(l2Norm)), 6)
      let untouched = 0
      out.forEach((u, i) => {
        if (u.kind === 'rejected') throw new Error('clip mode rejects nothing')
        expect(l2Norm(u.values)).toBeLessThanOrEqual(bound * (1 + 1e-6))
        expect(contributionScore(u.values, xs[i]!)).toBeCloseTo(l2Norm(xs[i]!) > 0 ? 1 : 0, 5)
        if (u.kind === 'within') untouched++
      })
      expect(untouched).toBeGreaterThanOrEqual(Math.ceil(n / 2))
    }
  })

  it('handles the 3.3e38-per-coordinate update without overflow', () => {
    const huge = Float32Array.from({ length: 100 }, () => 3.3e38)
    expect(l2Norm(huge)).toBeCloseTo(3.3e39, -34)
    const { updates: out } = normBound(
      [v(...new Array(100).fill(0.1)), huge],
      { kind: 'fixed', value: 2 },
      'clip',
    )
    const clipped = out[1]!
    expect(clipped.kind).toBe('clipped')
    if (clipped.kind === 'clipped') expect(l2Norm(clipped.values)).toBeCloseTo(2, 5)
  })
})

describe('weightCap', () => {
  it('caps each weight at a multiple of the median declared weight', () => {
    expect(weightCap([100, 200, 1e9], 3)).toEqual([100, 200, 600])
    expect(weightCap([10, 20, 30, 1e9], 2)).toEqual([10, 20, 30, 50])
    expect(weightCap([7], 1)).toEqual([7])
  })

  it('never raises a weight and caps at most a minority (property, seeded)', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const weights = Array.from(
        { length: 1 + Math.floor(random() * 9) },
        () => 1 + Math.floor(random() * 1e4),
      )
      const multiple = 1 + random() * 4
      const capped = weightCap(weights, multiple)
      const cap = multiple * median(weights)
      capped.forEach((w, i) => {
        expect(w).toBeLessThanOrEqual(weights[i]!)
        expect(w).toBeLessThanOrEqual(cap)
      })
      expect(capped.filter((w, i) => w < weights[i]!).length).toBeLessThanOrEqual(
        Math.floor(weights.length / 2),
      )
    }
  })

  it('refuses bad weights and multiples', () => {
    expect(() => weightCap([], 2)).toThrow(/no weights/)
    expect(() => weightCap([1, 0], 2)).toThrow(/positive/)
    expect(() => weightCap([1, Number.POSITIVE_INFINITY], 2)).toThrow(/positive/)
    expect(() => weightCap([1], 0.5)).toThrow(/at least 1/)
  })
})

describe('contributionScore', () => {
  it('is the cosine with the step, floored at 0, and 0 for a zero vector', () => {
    expect(contributionScore(v(2, 0), v(5, 0))).toBe(1)
    expect(contributionScore(v(1, 1), v(1, 0))).toBeCloseTo(Math.SQRT1_2, 6)
    expect(contributionScore(v(-1, 0), v(1, 0))).toBe(0)
    expect(contributionScore(v(0, 0), v(1, 0))).toBe(0)
    expect(contributionScore(v(1, 0), v(0, 0))).toBe(0)
  })
})
