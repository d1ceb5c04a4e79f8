import { describe, expect, it } from 'vitest'
import {
  floorOf,
  learnFrom,
  roundRefusals,
  strongest,
  weakenings,
} from '../../client/session/protection-floor'
import { roundStart, taskState } from '../helpers/fake-coordinator'

const dp = {
  mode: 'local' as const,
  clipNorm: 2,
  noiseStd: 2,
  denominator: 1,
  noiseMultiplier: 1,
  sampleRate: 1,
  delta: 1e-5,
  epsilonAfterRound: 1,
  epsilonBudget: 10,
}

describe('the least protection a tab sends under', () => {
  const encryptedDp = floorOf(
    taskState({ encryption: { mode: 'bfv', keyId: 'k' }, privacy: { mode: 'local', noiseMultiplier: 1 } }),
  )
  const encryption = {
    keyId: 'k',
    preset: 'bfv-8192',
    fractionBits: 20,
    clamp: 4,
    weighting: 'unit',
  } as const
  const full = { privacy: dp, encryption: { ...encryption, maxWeight: 1 } }

  it('takes a round that keeps every promise, at any clip norm (epsilon depends on the multiplier only)', () => {
    expect(roundRefusals(encryptedDp, roundStart(1, full))).toEqual([])
    expect(
      roundRefusals(encryptedDp, roundStart(1, { ...full, privacy: { ...dp, clipNorm: 5, noiseStd: 5 } })),
    ).toEqual([])
  })

  it('names each way a round is weaker', () => {
    expect(roundRefusals(encryptedDp, roundStart(1))).toEqual([
      'encryption off',
      'differential privacy off (agreed: local)',
    ])
    expect(
      roundRefusals(
        encryptedDp,
        roundStart(1, { ...full, privacy: { ...dp, mode: 'distributed', noiseMultiplier: 0.9 } }),
      ),
    ).toEqual([
      'differential privacy distributed (agreed: local)',
      'noise multiplier 0.9 (agreed: at least 1)',
    ])
    expect(
      roundRefusals(
        encryptedDp,
        roundStart(1, { ...full, privacy: { ...dp, epsilonBudget: 20, epsilonAfterRound: 12 } }),
      ),
    ).toEqual([
      'epsilon budget 20 (agreed: at most 10)',
      'released epsilon would reach 12.000 (agreed budget 10)',
    ])
  })

  it('learns a number the task state left out from the first round, then holds to it', () => {
    const floor = floorOf(taskState({ privacy: { mode: 'local' } }))
    expect(floor.noiseMultiplier).toBeNull()
    const learnt = learnFrom(floor, roundStart(1, { privacy: { ...dp, noiseMultiplier: 2, noiseStd: 4 } }))
    expect(learnt.noiseMultiplier).toBe(2)
    expect(roundRefusals(learnt, roundStart(2, { privacy: dp }))).toEqual([
      'noise multiplier 1 (agreed: at least 2)',
    ])
  })

  it('a floor only goes up by stronger states; a weaker one is listed, not taken', () => {
    const plain = floorOf(taskState({}))
    expect(weakenings(plain, encryptedDp)).toEqual([])
    expect(strongest(plain, encryptedDp)).toEqual(strongest(encryptedDp, plain))
    expect(weakenings(encryptedDp, plain)).toEqual([
      'encryption off',
      'differential privacy off (agreed: local)',
    ])
    const dpSgd = floorOf(taskState({ privacy: { exampleLevel: true, exampleNoiseMultiplier: 1.1 } }))
    expect(weakenings(dpSgd, plain)).toEqual(['example-level DP-SGD off'])
    expect(
      roundRefusals(
        dpSgd,
        roundStart(1, {
          settings: {
            epochs: 1,
            batchSize: 8,
            learningRate: 0.1,
            optimizer: 'sgd',
            dpSgd: { clipNorm: 1, noiseMultiplier: 0.5, delta: 1e-5 },
          },
        }),
      ),
    ).toEqual(['DP-SGD noise multiplier 0.5 (agreed: at least 1.1)'])
  })
})
