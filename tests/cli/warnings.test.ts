import { describe, expect, it } from 'vitest'
import type { FederatedSummary } from '../../cli/federated-summary'
import { resultWarnings } from '../../cli/warnings'

type Summary = Omit<FederatedSummary, 'warnings'>
const score = (accuracy: number, loss: number, f1 = 0.5) => ({ accuracy, loss, f1, examples: 180 })

/** A run of 5 rounds on 3 IID clients whose federated model learned as well as the centralized one. */
function run(patch: Partial<Summary> = {}): Summary {
  const base: Summary = {
    data: {
      name: 'test',
      rows: 900,
      features: 8,
      testRows: 180,
      alpha: 'iid',
      classes: ['no', 'yes'],
      testClassShares: [0.62, 0.38],
      clients: [0.6, 0.62, 0.64].map((no) => ({ rows: 240, classShares: [no, 1 - no] })),
      csv: null,
    },
    model: 'logistic regression, 8 inputs',
    training: { rounds: 5, localEpochs: 5, learningRate: 0.2, batchSize: 32, optimizer: 'adam' },
    rounds: [],
    final: { federated: score(0.86, 0.35), centralized: score(0.9, 0.3), majority: 0.62 },
    centralizedRounds: [],
    federatedRounds: [score(0.8, 0.5), score(0.86, 0.35)],
    privacy: null,
    encryption: null,
    aggregator: 'fedavg',
    byzantine: 0,
    attack: null,
    bytesSent: 1000,
    timings: { federatedMs: 1, centralizedMs: 1 },
    chain: { height: 7, verified: true, dataDir: null },
  }
  return { ...base, ...patch }
}

describe('warnings about a run whose result is not what it seems', () => {
  it('none when the federated model clearly beats the majority class and stays near centralized', () => {
    expect(resultWarnings(run())).toEqual([])
  })

  it('a model at the majority class with a rising loss on a skewed split: says so and names both causes', () => {
    const skewed = run({
      data: {
        ...run().data,
        alpha: 0.5,
        clients: [
          { rows: 159, classShares: [0.1, 0.9] },
          { rows: 383, classShares: [0.92, 0.08] },
        ],
      },
      final: { federated: score(0.617, 0.806, 0), centralized: score(0.822, 0.4), majority: 0.617 },
      federatedRounds: [score(0.6, 0.697), score(0.617, 0.806, 0)],
    })
    const [majority, far] = resultWarnings(skewed)
    expect(majority).toMatch(
      /^the federated model is not clearly better than always predicting the majority class: accuracy 61\.7% against 61\.7% \(F1 0: it predicts one class only\)/,
    )
    expect(majority).toContain('a skewed split (client 1 holds no 10.0%, yes 90.0%; Dirichlet alpha 0.5)')
    expect(majority).toContain(
      'the learning rate: the held-out loss rose from 0.697 to 0.806; try a smaller --lr (now 0.2)',
    )
    expect(far).toMatch(
      /^the federated model is far below the same model trained centrally: accuracy 61\.7% against 82\.2%/,
    )
  })

  it('points at DP noise under --privacy, and at too few rounds while accuracy still rises', () => {
    const noisy = run({
      privacy: { level: 'client', epsilon: 3.2, delta: 1e-5, budget: 10 },
      final: { federated: score(0.64, 0.6), centralized: score(0.9, 0.3), majority: 0.62 },
      federatedRounds: [score(0.55, 0.69), score(0.64, 0.6)],
    })
    const [warning] = resultWarnings(noisy)
    expect(warning).toContain('DP noise (client-level privacy, epsilon 3.20 of 10)')
    expect(warning).toContain('too few rounds: accuracy was still rising at round 5; try --rounds 10')
  })

  it('says the model could not be scored when the tabs keep it', () => {
    expect(resultWarnings(run({ final: { federated: null, centralized: null, majority: 0.6 } }))).toEqual([
      expect.stringMatching(/could not be scored/),
    ])
  })
})
