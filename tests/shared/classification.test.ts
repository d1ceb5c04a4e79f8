import { describe, expect, it } from 'vitest'
import { addConfusion, classificationMetrics, scorePredictions } from '../../shared/metrics/classification'
import { EvaluationTally } from '../../shared/metrics/evaluation-tally'

describe('classification metrics', () => {
  it('binary: positive-class precision, recall, F1 and the majority baseline', () => {
    // actual 0: 50 right, 10 wrong; actual 1: 30 right, 10 wrong
    const m = classificationMetrics([
      [50, 10],
      [10, 30],
    ])
    expect(m.accuracy).toBeCloseTo(0.8)
    expect(m.precision).toBeCloseTo(30 / 40)
    expect(m.recall).toBeCloseTo(30 / 40)
    expect(m.f1).toBeCloseTo(0.75)
    expect(m.majorityRate).toBeCloseTo(0.6)
  })

  it('multi-class: macro averages', () => {
    const m = classificationMetrics([
      [5, 0, 0],
      [0, 3, 2],
      [0, 0, 10],
    ])
    const precision = (1 + 1 + 10 / 12) / 3
    const recall = (1 + 3 / 5 + 1) / 3
    expect(m.precision).toBeCloseTo(precision)
    expect(m.recall).toBeCloseTo(recall)
    expect(m.accuracy).toBeCloseTo(18 / 20)
  })

  it('scores sigmoid and softmax outputs with cross-entropy', () => {
    const binary = scorePredictions(Float32Array.from([0.9, 0.2, 0.6]), [1, 0, 0], 2)
    expect(binary.confusion).toEqual([
      [1, 1],
      [0, 1],
    ])
    expect(binary.lossSum).toBeCloseTo(-Math.log(0.9) - Math.log(0.8) - Math.log(0.4), 5)
    const multi = scorePredictions(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]), [1, 2], 3)
    expect(multi.confusion[1]![1]).toBe(1)
    expect(multi.confusion[2]![0]).toBe(1)
    expect(multi.lossSum).toBeCloseTo(-Math.log(0.7) - Math.log(0.2), 5)
  })

  it('pooled evaluation equals the example-weighted mean of accuracies', () => {
    const a = [
      [40, 0],
      [10, 0],
    ]
    const b = [
      [1, 4],
      [0, 5],
    ]
    const tally = new EvaluationTally(2)
    tally.add('tab-1', { examples: 50, lossSum: 10, confusion: a })
    tally.add('tab-2', { examples: 10, lossSum: 8, confusion: b })
    const pooled = tally.metrics()
    const weighted = (classificationMetrics(a).accuracy * 50 + classificationMetrics(b).accuracy * 10) / 60
    expect(pooled.accuracy).toBeCloseTo(weighted)
    expect(pooled.loss).toBeCloseTo(18 / 60)
    expect(pooled.reports).toBe(2)
    expect(classificationMetrics(addConfusion(a, b)).accuracy).toBeCloseTo(pooled.accuracy)
    expect(() => tally.add('tab-1', { examples: 1, lossSum: 0, confusion: a })).toThrow(/already/)
  })
})
