import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { HeError } from '../../../shared/he/errors'
import { dequantizeAverage, planQuantization, quantizeUpdate } from '../../../shared/he/quantize'

const HALF_40_BITS = 2 ** 39

describe('fixed-point quantization for BFV sums', () => {
  it('leaves headroom for the number of clients and their weights', () => {
    const plan = planQuantization({ plainModulusHalf: HALF_40_BITS, clients: 10, maxWeight: 500, clamp: 1 })
    // 10 * 500 * 1 * 2^f < 2^39  ->  f = floor(39 - log2(5000)) = 26, capped at 24.
    expect(plan.fractionBits).toBe(24)
    const tight = planQuantization({
      plainModulusHalf: HALF_40_BITS,
      clients: 100,
      maxWeight: 10_000,
      clamp: 1,
    })
    expect(tight.fractionBits).toBe(Math.floor(Math.log2((HALF_40_BITS - 1) / 1e6)))
    expect(100 * 10_000 * 2 ** tight.fractionBits).toBeLessThan(HALF_40_BITS)
  })

  it('refuses a round whose sum would not fit with useful precision', () => {
    const error = (() => {
      try {
        planQuantization({ plainModulusHalf: 2 ** 29, clients: 1000, maxWeight: 100_000, clamp: 1 })
      } catch (e) {
        return e as HeError
      }
    })()
    expect(error?.code).toBe('out-of-range')
    expect(error?.message).toMatch(/fraction bits for 1000 clients/)
  })

  it('recovers the weighted average within the rounding bound (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            weight: fc.integer({ min: 1, max: 200 }),
            values: fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (clients) => {
          const plan = planQuantization({
            plainModulusHalf: HALF_40_BITS,
            clients: 12,
            maxWeight: 200,
            clamp: 1,
          })
          const sum = new Float64Array(4)
          let total = 0
          for (const c of clients) {
            const { integers } = quantizeUpdate(c.values, c.weight, plan)
            integers.forEach((v, i) => {
              sum[i]! += v
            })
            total += c.weight
          }
          expect(Math.max(...sum.map(Math.abs))).toBeLessThan(HALF_40_BITS)
          const average = dequantizeAverage(sum, total, plan)
          const bound = clients.length / 2 ** (plan.fractionBits + 1) / total + 1e-6
          for (let i = 0; i < 4; i++) {
            const exact = clients.reduce((s, c) => s + c.weight * c.values[i]!, 0) / total
            expect(Math.abs(average[i]! - exact)).toBeLessThanOrEqual(bound)
          }
        },
      ),
    )
  })

  it('clamps and counts coordinates outside the range; refuses non-finite values and overweight clients', () => {
    const plan = planQuantization({ plainModulusHalf: HALF_40_BITS, clients: 2, maxWeight: 10, clamp: 0.5 })
    const { integers, clamped } = quantizeUpdate([0.7, -0.2, -3], 1, plan)
    expect(clamped).toBe(2)
    expect(integers[0]).toBe(0.5 * 2 ** plan.fractionBits)
    expect(() => quantizeUpdate([Number.NaN], 1, plan)).toThrow(/index 0 is not finite/)
    expect(() => quantizeUpdate([0], 11, plan)).toThrow(/weight 11/)
  })
})
