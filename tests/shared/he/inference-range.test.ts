import { describe, expect, it } from 'vitest'
import { predictionWarning, sigmoidImage, sigmoidOutOfRange } from '../../../shared/he/inference'
import { approximateSigmoid } from '../../../shared/he/sigmoid'

describe('where the inference polynomial stands for the sigmoid', () => {
  it('accepts logits inside the fitted range and flags those outside, where the cubic leaves [0, 1]', () => {
    expect(sigmoidOutOfRange(2.05)).toBeNull()
    expect(sigmoidOutOfRange(-8)).toBeNull()
    expect(sigmoidOutOfRange(null)).toBeNull()
    expect(sigmoidOutOfRange(8.5)).toEqual({ range: [-8, 8] })
    expect(sigmoidOutOfRange(-6, 'cubic-5')).toEqual({ range: [-5, 5] })
    // The case: raw units read as scaled ones gave a logit in the hundreds and a "prediction" of -19,080.
    expect(sigmoidOutOfRange(230)).not.toBeNull()
    expect(approximateSigmoid(230)).toBeLessThan(-19_000)
  })

  it('returns a warning for the caller: from the logit when known, else when the value proves the logit left [-8, 8]', () => {
    expect(predictionWarning(0.7, 2.05)).toBeNull()
    expect(predictionWarning(0.7, 9)).toMatch(/the logit 9 is outside \[-8, 8\]/)
    const [min, max] = sigmoidImage()
    expect(min).toBeCloseTo(approximateSigmoid(-Math.sqrt(0.15012 / (3 * 0.001593))), 9)
    expect(max).toBeCloseTo(1.0607, 3)
    expect(predictionWarning(approximateSigmoid(8), null)).toBeNull()
    expect(predictionWarning(approximateSigmoid(230), null)).toMatch(/the logit left that range/)
    expect(predictionWarning(approximateSigmoid(-12), null)).toMatch(/not a probability/)
  })
})
