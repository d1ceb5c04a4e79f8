import { describe, expect, it } from 'vitest'
import { BoughtModels } from '../../../client/market/bought-models'
import {
  boughtModelFileName,
  majorityWarning,
  modelQuality,
  stageText,
} from '../../../shared/market/bought-model'
import type { PurchasedModel, TrainingProgress, WalletView } from '../../../shared/market/protocol'
import type { GlobalMetrics } from '../../../shared/protocol/rounds'

const hash = (c: string) => c.repeat(64)
const metrics = (accuracy: number, majorityRate: number): GlobalMetrics => ({
  examples: 80,
  accuracy,
  precision: 0,
  recall: 0,
  f1: 0,
  majorityRate,
  loss: 0.3,
  reports: 1,
})

const settings = {
  rounds: 3,
  localEpochs: 2,
  batchSize: 32,
  learningRate: 0.01,
  optimizer: 'adam',
  privacy: 'off',
  encryption: 'off',
  examplesPerRound: [],
}

function reply(
  round: number,
  stage: 'snapshot' | 'final',
  digit: string,
): PurchasedModel & { values: Float32Array } {
  return {
    purchaseId: 'p-1',
    taskId: 'market-p-1',
    stage,
    round,
    roundsDone: round,
    roundsBought: 3,
    version: `r${round}-${hash(digit).slice(0, 12)}`,
    modelHash: hash(digit),
    recorded: null,
    quality: null,
    settings,
    model: { kind: 'logistic', inputs: 2, classes: 2 },
    features: ['a', 'b'],
    classNames: ['no', 'yes'],
    weights: new ArrayBuffer(12),
    values: new Float32Array([1, 2, 3]),
  }
}

function wallet(round: number, digit: string, finished: boolean, accuracy?: number): WalletView {
  const training: TrainingProgress = {
    taskId: 'market-p-1',
    roundsDone: round,
    roundsBought: 3,
    finished,
    latest: null,
    model: {
      round,
      version: `r${round}-${hash(digit).slice(0, 12)}`,
      modelHash: hash(digit),
      recorded: null,
      quality: accuracy === undefined ? null : modelQuality(metrics(accuracy, 0.9)),
    },
    settings,
  }
  return { purchases: [{ purchaseId: 'p-1', training }] } as unknown as WalletView
}

describe('what a buyer of training access is told', () => {
  it('flags a model no better than the majority class, and only such a model', () => {
    expect(modelQuality(metrics(0.925, 0.925))!.beatsMajority).toBe(false)
    expect(modelQuality(metrics(0.9, 0.925))!.beatsMajority).toBe(false)
    expect(modelQuality(metrics(0.95, 0.925))!.beatsMajority).toBe(true)
    expect(majorityWarning(modelQuality(metrics(0.925, 0.925)))).toMatch(
      /^No better than the majority class: accuracy 92\.5% vs 92\.5%/,
    )
    expect(majorityWarning(modelQuality(metrics(0.95, 0.925)))).toBeNull()
    expect(modelQuality({ ...metrics(0, 0), examples: 0 })).toBeNull()
  })

  it('names the stage, round and hash prefix', () => {
    expect(stageText({ stage: 'snapshot', round: 1, roundsBought: 3 })).toBe(
      'Snapshot: round 1 of 3, training continues',
    )
    expect(stageText({ stage: 'final', round: 3, roundsBought: 3 })).toBe('Final model: round 3 of 3')
    expect(
      boughtModelFileName({ taskId: 'market-p-1', round: 1, modelHash: hash('a'), stage: 'snapshot' }),
    ).toBe('market-p-1-r1-aaaaaaaaaaaa-snapshot.json')
  })

  it('withdraws a fetched model once the coordinator holds a later one or the snapshot became final', () => {
    const models = new BoughtModels()
    models.add('p-1', reply(1, 'snapshot', 'a'))
    expect(models.sync(wallet(1, 'a', false))).toBe(false)
    expect(models.get('p-1')?.fileName).toBe('market-p-1-r1-aaaaaaaaaaaa-snapshot.json')
    expect(models.sync(wallet(2, 'b', false))).toBe(true)
    expect(models.get('p-1')).toBeUndefined()
    expect(models.replaced('p-1')).toMatch(
      /^The snapshot of round 1 you fetched \(r1-aaaaaaaaaaaa\) is out of date: the model is now round 2 of 3/,
    )
    expect(models.sync(wallet(3, 'c', true))).toBe(true)
    expect(models.replaced('p-1')).toMatch(
      /is out of date: the model is now round 3 of 3, final \(r3-c{12}\)\. Get the model again\.$/,
    )
    models.add('p-1', reply(3, 'snapshot', 'c'))
    expect(models.replaced('p-1')).toBeUndefined()
    expect(models.sync(wallet(3, 'c', true))).toBe(true)
    expect(models.get('p-1')).toBeUndefined()
  })

  it('adds the quality evaluated after the fetch, with its flag, to the same model', () => {
    const models = new BoughtModels()
    models.add('p-1', reply(3, 'final', 'c'))
    expect(models.get('p-1')!.warning).toBeNull()
    expect(models.sync(wallet(3, 'c', true, 0.9))).toBe(true)
    const fetched = models.get('p-1')!
    expect(fetched.warning).toMatch(/^No better than the majority class/)
    const doc = JSON.parse(fetched.json) as {
      quality: { accuracy: number }
      warning: string
      weights: number[]
    }
    expect(doc.quality.accuracy).toBe(0.9)
    expect(doc.warning).toBe(fetched.warning)
    expect(doc.weights).toEqual([1, 2, 3])
  })
})
