import { describe, expect, it } from 'vitest'
import { learningWarning } from '../../../shared/metrics/learning-check'
import type { RoundRecord } from '../../../shared/protocol'
import { defaultTrainingConfig } from '../../../shared/rounds/config'

/** A run's records: round 0 and one scored round per (accuracy, loss), majority class at 61.7%. */
function history(scores: readonly [number, number][]): RoundRecord[] {
  return [[0.6, 0.69] as const, ...scores].map(([accuracy, loss], round) => ({
    round,
    version: `r${round}`,
    participants: round ? 3 : 0,
    examples: round ? 300 : 0,
    durationMs: null,
    completedAt: round,
    trainLoss: null,
    trainAccuracy: null,
    evaluation: {
      examples: 120,
      accuracy,
      precision: 0,
      recall: 0,
      f1: accuracy === 0.617 ? 0 : 0.7,
      majorityRate: 0.617,
      loss,
      reports: 3,
    },
    epsilon: null,
    encryption: null,
  }))
}

describe('the live page says when the model learned nothing', () => {
  it("flags issue 16's run (majority class, F1 0, loss rising) with the causes its figures point to", () => {
    const warning = learningWarning(
      history([
        [0.617, 0.697],
        [0.617, 0.75],
        [0.617, 0.806],
      ]),
      defaultTrainingConfig,
    )
    expect(warning).toBe(
      `after 3 rounds the global model is not clearly better than always answering the majority class (accuracy 61.7% against 61.7%, F1 0). Likely causes: the learning rate (${defaultTrainingConfig.learningRate}): the held-out loss rose from 0.690 to 0.806; try a smaller one; too few rounds so far; a skewed split: tabs that hold mostly one class (each tab's page shows its class balance).`,
    )
  })

  it('says nothing of a model that learned, or before three scored rounds', () => {
    expect(
      learningWarning(
        history([
          [0.7, 0.6],
          [0.8, 0.5],
          [0.85, 0.4],
        ]),
        defaultTrainingConfig,
      ),
    ).toBeNull()
    expect(
      learningWarning(
        history([
          [0.617, 0.7],
          [0.617, 0.7],
        ]),
        defaultTrainingConfig,
      ),
    ).toBeNull()
  })

  it('names DP noise under DP, and a loss that did not move', () => {
    const dp = {
      ...defaultTrainingConfig,
      privacy: { ...defaultTrainingConfig.privacy, mode: 'local' as const },
    }
    const warning = learningWarning(
      history([
        [0.62, 0.69],
        [0.62, 0.69],
        [0.63, 0.695],
      ]),
      dp,
    )
    expect(warning).toMatch(
      /Likely causes: DP noise: .*; the learning rate \(.*\): the held-out loss barely moved/,
    )
  })
})
