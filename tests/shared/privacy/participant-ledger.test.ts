import { describe, expect, it } from 'vitest'
import { computeEpsilon } from '../../../shared/privacy/accountant'
import { addDpSgdRound, dpSgdRound } from '../../../shared/privacy/dp-sgd'
import { addStep, ledgerEpsilon, type PrivacyLedger } from '../../../shared/privacy/ledger'
import {
  countDpSgdRound,
  countUpdate,
  dpSgdEpsilon,
  EMPTY_PARTICIPANT_LEDGER,
  type ParticipantLedger,
  updatesEpsilon,
  updatesSent,
} from '../../../shared/privacy/participant-ledger'

describe('participant privacy ledger', () => {
  it('starts empty: no updates, no DP-SGD, epsilon 0', () => {
    expect(updatesSent(EMPTY_PARTICIPANT_LEDGER)).toBe(0)
    expect(updatesEpsilon(EMPTY_PARTICIPANT_LEDGER, 1e-5)).toBe(0)
    expect(dpSgdEpsilon(EMPTY_PARTICIPANT_LEDGER, 1e-5)).toBe(0)
  })

  it('counts each noised update as one unsubsampled Gaussian release at noiseStd / clipNorm', () => {
    const noises = [
      { clipNorm: 1, noiseStd: 1.2 },
      { clipNorm: 1, noiseStd: 1.2 },
      { clipNorm: 2, noiseStd: 3 },
      { clipNorm: 1, noiseStd: 1.2 },
    ]
    let ledger: ParticipantLedger = EMPTY_PARTICIPANT_LEDGER
    // The tab's accounting before the shared ledger: addStep(previous, 1, noiseStd / clipNorm) per accepted update.
    let before: PrivacyLedger = []
    for (const [i, noise] of noises.entries()) {
      ledger = countUpdate(ledger, noise, i % 2 === 0)
      before = addStep(before, 1, noise.noiseStd / noise.clipNorm)
      expect(ledger.updates).toEqual(before)
      expect(updatesEpsilon(ledger, 1e-5)).toBe(ledgerEpsilon(before, 1e-5))
    }
    expect(updatesSent(ledger)).toBe(4)
    expect(ledger.clippedUpdates).toBe(2)
    // Two updates at one multiplier compose as two steps of the accountant (q = 1).
    const two = countUpdate(countUpdate(EMPTY_PARTICIPANT_LEDGER, noises[0]!, false), noises[0]!, false)
    expect(updatesEpsilon(two, 1e-5)).toBeCloseTo(
      computeEpsilon({ sampleRate: 1, noiseMultiplier: 1.2, steps: 2, delta: 1e-5 }).epsilon,
      12,
    )
  })

  it('counts DP-SGD rounds as the tab and the coordinator did (addDpSgdRound), the accountant agreeing', () => {
    const rounds = [
      { rows: 180, batchSize: 32, epochs: 2, noiseMultiplier: 1.1 },
      { rows: 180, batchSize: 32, epochs: 2, noiseMultiplier: 1.1 },
      { rows: 180, batchSize: 16, epochs: 1, noiseMultiplier: 0.9 },
    ]
    let ledger: ParticipantLedger = EMPTY_PARTICIPANT_LEDGER
    let before: PrivacyLedger = []
    for (const round of rounds) {
      ledger = countDpSgdRound(ledger, round)
      before = addDpSgdRound(before, round.rows, round.batchSize, round.epochs, round.noiseMultiplier)
      expect(ledger.dpSgd).toEqual(before)
      expect(dpSgdEpsilon(ledger, 1e-5)).toBe(ledgerEpsilon(before, 1e-5))
    }
    expect(ledger.dpSgdRounds).toBe(3)
    // The first two rounds alone: the accountant's epsilon for 2 * steps Poisson-sampled steps.
    const two = countDpSgdRound(countDpSgdRound(EMPTY_PARTICIPANT_LEDGER, rounds[0]!), rounds[1]!)
    const { sampleRate, steps } = dpSgdRound(180, 32, 2)
    expect(dpSgdEpsilon(two, 1e-5)).toBeCloseTo(
      computeEpsilon({ sampleRate, noiseMultiplier: 1.1, steps: 2 * steps, delta: 1e-5 }).epsilon,
      9,
    )
  })

  it('keeps the two accounts apart and never mutates the ledger it is given', () => {
    const start = countUpdate(EMPTY_PARTICIPANT_LEDGER, { clipNorm: 1, noiseStd: 1 }, true)
    const copy = structuredClone(start)
    const next = countDpSgdRound(start, { rows: 50, batchSize: 10, epochs: 1, noiseMultiplier: 1 })
    expect(start).toEqual(copy)
    expect(next.updates).toBe(start.updates)
    expect(next.clippedUpdates).toBe(1)
    expect(countUpdate(next, { clipNorm: 1, noiseStd: 1 }, false).dpSgd).toBe(next.dpSgd)
    expect(EMPTY_PARTICIPANT_LEDGER).toEqual({ updates: [], clippedUpdates: 0, dpSgd: [], dpSgdRounds: 0 })
  })

  it('refuses a DP-SGD round on no rows, as dpSgdRound does', () => {
    expect(() =>
      countDpSgdRound(EMPTY_PARTICIPANT_LEDGER, { rows: 0, batchSize: 32, epochs: 1, noiseMultiplier: 1 }),
    ).toThrow()
  })
})
