import { describe, expect, it } from 'vitest'
import {
  ckksErrorBound,
  FLOOD_MARGIN_BITS,
  floodingSecurityBits,
  lmssFloodingStd,
  releaseCkksDecryption,
} from '../../../shared/he/ckks-release'

describe('CKKS release flooding (Li, Micciancio, Schultz and Sorrell 2022)', () => {
  it('floods 2^8 above the error bound of the sum, which grows with the square root of the ciphertexts', () => {
    expect(ckksErrorBound(1)).toBe(2 ** -26)
    expect(ckksErrorBound(100)).toBeCloseTo(10 * 2 ** -26, 20)
    const k = 16
    const flooded = releaseCkksDecryption(new Float64Array(50_000), k)
    const std = Math.sqrt(flooded.reduce((s, v) => s + v * v, 0) / flooded.length)
    expect(std / (2 ** FLOOD_MARGIN_BITS * ckksErrorBound(k)) - 1).toBeLessThan(0.03)
    expect(std / (2 ** FLOOD_MARGIN_BITS * ckksErrorBound(k)) - 1).toBeGreaterThan(-0.03)
    expect(flooded.every((v) => Number.isInteger(v * 2 ** 24))).toBe(true)
  })

  it('states what the margin buys: about 12 bits for one decryption, about 2 over 2^10; LMSS-grade needs 2^21.8', () => {
    expect(floodingSecurityBits(8, 1)).toBeCloseTo(12.42, 2)
    expect(floodingSecurityBits(8, 1024)).toBeCloseTo(2.42, 2)
    expect(Math.log2(lmssFloodingStd(1, 30, 1024))).toBeCloseTo(21.79, 2)
  })
})
