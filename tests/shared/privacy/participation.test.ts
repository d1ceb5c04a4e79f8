import { describe, expect, it } from 'vitest'
import { computeEpsilon } from '../../../shared/privacy/accountant'
import type { PrivacyLedger } from '../../../shared/privacy/ledger'
import {
  countParticipation,
  observerEpsilon,
  participationEpsilon,
} from '../../../shared/privacy/participation'

const run = { sampleRate: 0.01, noiseMultiplier: 1, rounds: 1000, delta: 1e-5 }

describe('epsilon by observer: who sees participation', () => {
  it('q=0.01, z=1, 1000 rounds, delta 1e-5: 2.10 unseen; 19.05 against the public for a tab sampled 10 times', () => {
    const expected = observerEpsilon({ ...run, participations: 10 })
    // The amplified figure the page used to call "against the public" (issue 15).
    expect(expected.hidden).toBeCloseTo(2.1014, 3)
    // The expected participation count q·T = 10, unamplified: what the public, who sees the chain, faces.
    expect(expected.visible).toBeCloseTo(19.054, 2)
    // Sampled in every round: q treated as 1 for all 1000 rounds.
    expect(observerEpsilon({ ...run, participations: 1000 }).visible).toBeCloseTo(654.86, 1)
    // Not sampled: the public learns nothing of its data.
    expect(observerEpsilon({ ...run, participations: 0 }).visible).toBe(0)
  })

  it('the public figure is the accountant at q = 1 over the participations, and the hidden one at q over the rounds', () => {
    for (const participations of [1, 3, 17]) {
      const { hidden, visible } = observerEpsilon({ ...run, rounds: 200, participations })
      expect(visible).toBe(
        computeEpsilon({ sampleRate: 1, noiseMultiplier: 1, steps: participations, delta: 1e-5 }).epsilon,
      )
      expect(hidden).toBe(
        computeEpsilon({ sampleRate: 0.01, noiseMultiplier: 1, steps: 200, delta: 1e-5 }).epsilon,
      )
    }
  })

  it('a participation ledger composes mixed noise multipliers, each round at q = 1', () => {
    let ledger: PrivacyLedger = []
    for (const z of [1, 1, 2, 1]) ledger = countParticipation(ledger, z)
    expect(ledger).toEqual([
      { sampleRate: 1, noiseMultiplier: 1, steps: 2 },
      { sampleRate: 1, noiseMultiplier: 2, steps: 1 },
      { sampleRate: 1, noiseMultiplier: 1, steps: 1 },
    ])
    const onlyOnes = participationEpsilon([{ sampleRate: 1, noiseMultiplier: 1, steps: 3 }], 1e-5)
    const withTwo = participationEpsilon(ledger, 1e-5)
    expect(withTwo).toBeGreaterThan(onlyOnes)
    expect(withTwo).toBeLessThan(
      participationEpsilon([{ sampleRate: 1, noiseMultiplier: 1, steps: 4 }], 1e-5),
    )
    expect(participationEpsilon([], 1e-5)).toBe(0)
  })

  it('refuses a participation count outside [0, rounds]', () => {
    expect(() => observerEpsilon({ ...run, participations: 1001 })).toThrow(RangeError)
    expect(() => observerEpsilon({ ...run, participations: -1 })).toThrow(RangeError)
    expect(() => observerEpsilon({ ...run, participations: 2.5 })).toThrow(RangeError)
  })
})
