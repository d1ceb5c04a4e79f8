import { describe, expect, it } from 'vitest'
import { sigmoidOutOfRange } from '../../../shared/he/inference'
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
})
