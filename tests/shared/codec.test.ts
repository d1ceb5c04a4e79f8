import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { decodeFloat32, encodeFloat32, firstNonFinite } from '../../shared/codec'

const values = Float32Array.from([1.5, -2.25, 3.125, Number.MAX_VALUE > 1 ? 1e-7 : 0, 65504])

describe('weight codec', () => {
  it('round-trips through an ArrayBuffer, as a browser receives it', () => {
    const decoded = decodeFloat32(encodeFloat32(values), values.length)
    expect(decoded.ok && Array.from(decoded.value)).toEqual(Array.from(values))
  })

  it('round-trips through a Node Buffer at an unaligned pool offset', () => {
    const bytes = new Uint8Array(encodeFloat32(values))
    const pool = Buffer.alloc(bytes.length + 3)
    pool.set(bytes, 3)
    const view = pool.subarray(3)
    expect(view.byteOffset % 4).not.toBe(0)
    const decoded = decodeFloat32(view, values.length)
    expect(decoded.ok && Array.from(decoded.value)).toEqual(Array.from(values))
  })

  it('reads an aligned Buffer without copying', () => {
    const backing = new ArrayBuffer(8 + values.byteLength)
    new Uint8Array(backing).set(new Uint8Array(encodeFloat32(values)), 8)
    const view = Buffer.from(backing, 8, values.byteLength)
    const decoded = decodeFloat32(view)
    expect(decoded.ok).toBe(true)
    if (decoded.ok) expect(decoded.value.buffer).toBe(backing)
  })

  it('sends only the viewed part of a larger buffer', () => {
    const big = new Float32Array(10).map((_, i) => i)
    const encoded = encodeFloat32(big.subarray(2, 5))
    expect(encoded.byteLength).toBe(12)
    expect(Array.from(new Float32Array(encoded))).toEqual([2, 3, 4])
  })

  it('refuses JSON arrays, odd byte counts and the wrong number of values', () => {
    expect(decodeFloat32([1, 2, 3])).toMatchObject({ ok: false, error: { code: 'bad-payload' } })
    expect(decodeFloat32(new ArrayBuffer(7))).toMatchObject({ ok: false, error: { code: 'wrong-shape' } })
    const wrong = decodeFloat32(new ArrayBuffer(16), 5)
    expect(wrong).toMatchObject({
      ok: false,
      error: { code: 'wrong-shape', message: 'weights have 4 values, the model has 5' },
    })
  })

  it('finds the first non-finite value', () => {
    expect(firstNonFinite(Float32Array.from([0, 1, 2]))).toBe(-1)
    expect(firstNonFinite(Float32Array.from([0, Number.NaN, Number.POSITIVE_INFINITY]))).toBe(1)
  })
})
