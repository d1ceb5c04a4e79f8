import { describe, expect, it } from 'vitest'
import {
  composeRdp,
  computeEpsilon,
  computeRdp,
  DEFAULT_ORDERS,
  noiseMultiplierFor,
  rdpToEpsilon,
} from '../../../shared/privacy/accountant'

// Published values from shared/reference/privacy.md.
describe('RDP accountant for the Poisson-subsampled Gaussian mechanism', () => {
  it("reproduces Opacus' accountant test: q=0.04, sigma=1.5, 2250 steps, delta=1e-5 -> 7.32911117143 at order 3.9", () => {
    const { epsilon, order } = computeEpsilon({
      sampleRate: 0.04,
      noiseMultiplier: 1.5,
      steps: 2250,
      delta: 1e-5,
    })
    expect(Math.abs(epsilon - 7.32911117143)).toBeLessThan(1e-6)
    expect(order).toBe(3.9)
  })

  it('reproduces Abadi et al. 2016: q=0.01, sigma=4, 10,000 steps -> 1.2586 (classic, order 20), 1.0355 (Balle 2020)', () => {
    const query = { sampleRate: 0.01, noiseMultiplier: 4, steps: 10_000, delta: 1e-5 }
    const classic = computeEpsilon({ ...query, conversion: 'classic' })
    expect(classic.epsilon).toBeCloseTo(1.2586, 4)
    expect(classic.order).toBe(20)
    expect(computeEpsilon(query).epsilon).toBeCloseTo(1.0355, 4)
  })

  it("reproduces Opacus' get_noise_multiplier: epsilon 8, q=0.04 -> 1.416 (2250 steps), 1.3562 (2000 steps)", () => {
    expect(noiseMultiplierFor({ targetEpsilon: 8, sampleRate: 0.04, steps: 2250, delta: 1e-5 })).toBeCloseTo(
      1.416,
      3,
    )
    expect(noiseMultiplierFor({ targetEpsilon: 8, sampleRate: 0.04, steps: 2000, delta: 1e-5 })).toBeCloseTo(
      1.3562,
      4,
    )
  })

  it("reproduces Opacus' composition example: two mechanisms, integer orders 2..32 -> (0.336, order 23)", () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2)
    const rdp = composeRdp(
      [
        { sampleRate: 1e-5, noiseMultiplier: 1, steps: 10 },
        { sampleRate: 1e-4, noiseMultiplier: 3, steps: 4 },
      ],
      orders,
    )
    const { epsilon, order } = rdpToEpsilon(rdp, orders, 1e-5)
    expect(epsilon).toBeCloseTo(0.336, 3)
    expect(order).toBe(23)
  })

  it('without subsampling, RDP is alpha / (2 sigma^2) per step (Mironov 2017)', () => {
    const rdp = computeRdp({ sampleRate: 1, noiseMultiplier: 2, steps: 3 }, [2, 5.5])
    expect(rdp[0]).toBeCloseTo((3 * 2) / 8, 12)
    expect(rdp[1]).toBeCloseTo((3 * 5.5) / 8, 12)
  })

  it('agrees between integer and fractional formulas at nearby orders, and grows with steps', () => {
    const [at3, near3] = computeRdp({ sampleRate: 0.05, noiseMultiplier: 1.1, steps: 1 }, [3, 3.000001])
    expect(near3).toBeCloseTo(at3!, 5)
    const few = computeEpsilon({ sampleRate: 0.1, noiseMultiplier: 1, steps: 10, delta: 1e-5 }).epsilon
    const more = computeEpsilon({ sampleRate: 0.1, noiseMultiplier: 1, steps: 20, delta: 1e-5 }).epsilon
    expect(more).toBeGreaterThan(few)
    expect(computeEpsilon({ sampleRate: 0.1, noiseMultiplier: 1, steps: 0, delta: 1e-5 }).epsilon).toBe(0)
  })

  it("uses Opacus' default orders", () => {
    expect(DEFAULT_ORDERS.slice(0, 3)).toEqual([1.1, 1.2, 1.3])
    expect(DEFAULT_ORDERS).toContain(10.9)
    expect(DEFAULT_ORDERS.slice(-2)).toEqual([62, 63])
    expect(DEFAULT_ORDERS).toHaveLength(151)
  })

  it('names the bad parameter', () => {
    const base = { sampleRate: 0.1, noiseMultiplier: 1, steps: 10, delta: 1e-5 }
    expect(() => computeEpsilon({ ...base, delta: 0 })).toThrow('delta: must be in (0, 1), got 0')
    expect(() => computeEpsilon({ ...base, delta: 1.5 })).toThrow('delta: must be in (0, 1)')
    expect(() => computeEpsilon({ ...base, sampleRate: 0 })).toThrow('sampleRate: must be in (0, 1]')
    expect(() => computeEpsilon({ ...base, noiseMultiplier: -1 })).toThrow(
      'noiseMultiplier: must be positive',
    )
    expect(() => computeEpsilon({ ...base, steps: 2.5 })).toThrow('steps: must be a non-negative integer')
    expect(() => noiseMultiplierFor({ ...base, targetEpsilon: Number.NaN })).toThrow(
      'targetEpsilon: must be a finite number',
    )
  })

  it('validates every input before any shortcut: steps 0 spends nothing, but only with valid other fields', () => {
    const base = { sampleRate: 0.1, noiseMultiplier: 1, steps: 0, delta: 1e-5 }
    expect(computeEpsilon(base)).toEqual({ epsilon: 0, order: Number.NaN })
    expect(() => computeEpsilon({ ...base, delta: 0 })).toThrow('delta: must be in (0, 1)')
    expect(() => computeEpsilon({ ...base, sampleRate: 2 })).toThrow('sampleRate: must be in (0, 1]')
    expect(() => computeEpsilon({ ...base, noiseMultiplier: 0 })).toThrow('noiseMultiplier: must be positive')
    expect(() => computeEpsilon({ ...base, steps: -1 })).toThrow('steps: must be a non-negative integer')
    expect(() => computeEpsilon({ ...base, orders: [] })).toThrow('orders: list at least one order above 1')
    expect(() => computeEpsilon({ ...base, steps: 10, orders: [] })).toThrow(
      'orders: list at least one order',
    )
    expect(() => computeEpsilon({ ...base, orders: [0.5] })).toThrow(
      'orders: each order must be a finite number above 1',
    )
    expect(() => computeEpsilon({ ...base, conversion: 'other' as 'classic' })).toThrow(
      "conversion: must be 'balle2020' or 'classic'",
    )
    expect(() => rdpToEpsilon([], [], 1e-5)).toThrow('orders: list at least one order')
  })

  it('noiseMultiplierFor refuses what could loop forever: steps below 1, tolerance <= 0, no orders', () => {
    const base = { targetEpsilon: 1, sampleRate: 0.1, steps: 100, delta: 1e-5 }
    expect(() => noiseMultiplierFor({ ...base, steps: 0 })).toThrow('steps: must be an integer >= 1, got 0')
    expect(() => noiseMultiplierFor({ ...base, steps: 1.5 })).toThrow('steps: must be an integer >= 1')
    expect(() => noiseMultiplierFor({ ...base, tolerance: 0 })).toThrow('tolerance: must be positive, got 0')
    expect(() => noiseMultiplierFor({ ...base, tolerance: -1 })).toThrow('tolerance: must be positive')
    expect(() => noiseMultiplierFor({ ...base, tolerance: Number.NaN })).toThrow(
      'tolerance: must be a finite number',
    )
    expect(() => noiseMultiplierFor({ ...base, orders: [] })).toThrow('orders: list at least one order')
    expect(() => noiseMultiplierFor({ ...base, delta: 2 })).toThrow('delta: must be in (0, 1)')
    // A tolerance below what doubles can resolve still ends (the bracket stops shrinking).
    const sigma = noiseMultiplierFor({ ...base, tolerance: 1e-300 })
    expect(computeEpsilon({ ...base, noiseMultiplier: sigma }).epsilon).toBeLessThanOrEqual(1)
  })
})
