import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  dequantizeAverage,
  dequantizeSum,
  planQuantizer,
  quantize,
  quantizerProblem,
  sumErrorBound,
} from '../../../shared/secagg/quantization'

const clip = (x: number, c: number) => Math.min(c, Math.max(-c, x))

describe('fixed-point quantization mod 2^32 with headroom for n clients', () => {
  it('one vector: |q| <= L and |q / scale - clip(x)| < 1 / scale, on random vectors and settings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 1e-3, max: 100, noNaN: true }),
        fc.integer({ min: 2, max: 24 }),
        (values, clamp, bits) => {
          const q = planQuantizer(clamp, bits, 1)
          const words = quantize(values, q)
          values.forEach((x, i) => {
            const signed = words[i]! | 0
            expect(Math.abs(signed)).toBeLessThanOrEqual(q.maxLevel)
            expect(Math.abs(signed / q.scale - clip(x, clamp))).toBeLessThan(1 / q.scale + 1e-12 * clamp)
          })
        },
      ),
    )
  })

  it('a sum of n vectors wraps mod 2^32 and decodes, signed, within n / scale of the sum of clipped inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        (clients, length, clamp) => {
          const bits = Math.floor(Math.log2((2 ** 31 - 1) / clients + 1)) + 1 // the most the headroom allows
          const q = planQuantizer(clamp, Math.min(bits, 31), clients)
          const sum = new Uint32Array(length)
          const exact = new Float64Array(length)
          for (let c = 0; c < clients; c++) {
            const x = Array.from({ length }, (_, i) => ((c * 31 + i * 17) % 23) - 11.5) // beyond the clamp too
            const words = quantize(x, q)
            for (let i = 0; i < length; i++) {
              sum[i] = sum[i]! + words[i]!
              exact[i] = exact[i]! + clip(x[i]!, clamp)
            }
          }
          const decoded = dequantizeSum(sum, q)
          const bound = sumErrorBound(q, clients)
          for (let i = 0; i < length; i++)
            expect(Math.abs(decoded[i]! - exact[i]!)).toBeLessThan(bound + 1e-9 * clamp * clients)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('negative sums survive the wrap-around: all clients at -clamp decode to -n * clamp', () => {
    const q = planQuantizer(2, 16, 1000)
    const sum = new Uint32Array(3)
    for (let c = 0; c < 1000; c++) {
      const w = quantize([-2, -5, 2], q)
      for (let i = 0; i < 3; i++) sum[i] = sum[i]! + w[i]!
    }
    expect(Array.from(dequantizeSum(sum, q))).toEqual([-2000, -2000, 2000])
    expect(Array.from(dequantizeAverage(sum, 1000, q))).toEqual([-2, -2, 2])
  })

  it('stochastic rounding is unbiased: 0.3 of a step rounds up about 30% of the time', () => {
    const q = planQuantizer(1, 8, 1) // scale 127
    const x = new Float64Array(200_000).fill(0.3 / 127)
    const words = quantize(x, q)
    const ups = words.reduce((n, w) => n + w, 0)
    const sd = Math.sqrt(x.length * 0.3 * 0.7)
    expect(Math.abs(ups - 0.3 * x.length)).toBeLessThan(5 * sd)
  })

  it('refuses NaN, and headroom the client count does not leave, with the largest bits allowed', () => {
    expect(() => quantize([0, Number.NaN], planQuantizer(1, 16, 1))).toThrow(/coordinate 1 is NaN/)
    expect(Array.from(quantize([Number.POSITIVE_INFINITY], planQuantizer(1, 16, 1)))).toEqual([32767])
    expect(quantizerProblem(1, 24, 1000)).toMatch(/no headroom for a sum of 1000 clients.*at most 22 bits/)
    expect(quantizerProblem(1, 22, 1000)).toBeNull()
    expect(quantizerProblem(0, 16, 10)).toMatch(/clamp/)
    expect(quantizerProblem(1, 1, 10)).toMatch(/bits must be an integer from 2 to 31/)
    expect(() => dequantizeAverage(new Uint32Array(1), 0, planQuantizer(1, 16, 10))).toThrow(
      /cannot average over 0/,
    )
  })
})
