import { describe, expect, it } from 'vitest'
import { RobustRoundAggregator } from '../../../../shared/aggregation/robust/robust-round'
import { l2Norm } from '../../../../shared/aggregation/robust/vector-math'
import { defaultRobustnessConfig, type RobustnessConfig } from '../../../../shared/rounds/config'
import { distance, mean, normalVectors, SEEDS, seeded } from './fixtures'

/**
 * Issue 14's attack: honest tabs and one that declares 1e9 examples and sends 3.3e38 per coordinate (finite in
 * float32). Undefended FedAvg moves the model by about 1e39; every rule with the default settings must keep the step
 * finite and near the honest mean, within a small multiple of the honest update norm.
 */
const RULES = ['fedavg', 'median', 'trimmed-mean', 'krum', 'multi-krum', 'centered-clip'] as const
const LENGTH = 50
/**
 * How far from the honest mean each rule may end, in honest update norms, with two honest tabs (measured worst over
 * the seeds: FedAvg 2.2, trimmed mean 1.1, median and centered clipping 0.6). FedAvg is loosest: the attacker's
 * capped weight (3 x the median count) is 2/3 of the round's, and its clipped update 3 x the median norm.
 */
const TWO_HONEST_SLACK = {
  fedavg: 2.5,
  krum: 2.5,
  'multi-krum': 2.5,
  median: 1,
  'trimmed-mean': 1.5,
  'centered-clip': 1,
} as Record<string, number>

function attackRound(
  aggregator: RobustnessConfig['aggregator'],
  honest: readonly Float32Array[],
  patch = {},
) {
  const round = new RobustRoundAggregator(LENGTH, { ...defaultRobustnessConfig, aggregator, ...patch }, null)
  honest.forEach((payload, i) => {
    expect(round.add({ id: `honest-${i}`, weight: 100 * (i + 1), payload }).ok).toBe(true)
  })
  const attack = new Float32Array(LENGTH).fill(3.3e38)
  expect(round.add({ id: 'attacker', weight: 1e9, payload: attack }).ok).toBe(true)
  return round.close()
}

/** Honest deltas: a shared direction plus client noise, norms about 1. */
function honestUpdates(seed: number, count: number): Float32Array[] {
  const random = seeded(seed)
  const direction = normalVectors(random, 1, LENGTH, 0.1)[0]!
  return normalVectors(random, count, LENGTH, 0.1).map((x) => x.map((y, j) => y + direction[j]!))
}

describe("issue 14's attack: 1e9 declared examples and 3.3e38 per coordinate", () => {
  it('moves undefended FedAvg by about 1e39 (what the defaults prevent)', () => {
    const closed = attackRound('fedavg', honestUpdates(1, 2), { normBound: 'off', weightCap: 1e6 })
    expect(closed.ok && l2Norm(closed.value.outcome)).toBeGreaterThan(1e38)
  })

  it('two honest tabs: every rule keeps the step finite and near the honest mean; Krum falls back at n = 3', () => {
    for (const seed of SEEDS) {
      const honest = honestUpdates(seed, 2)
      const honestMean = mean(honest)
      const honestNorm = Math.max(...honest.map(l2Norm))
      for (const aggregator of RULES) {
        const closed = attackRound(aggregator, honest)
        if (!closed.ok) throw new Error(`${aggregator}: ${closed.error.message}`)
        if (aggregator === 'krum' || aggregator === 'multi-krum') {
          // Too few updates to tell an outlier: FedAvg within the bounds, said in the round's note.
          expect(closed.value.note).toMatch(/n = 3 with f = 1 needs at least 5/)
        }
        const step = closed.value.outcome
        expect(step.every(Number.isFinite)).toBe(true)
        expect(distance(step, honestMean)).toBeLessThan(TWO_HONEST_SLACK[aggregator]! * honestNorm)
        if (aggregator === 'median')
          expect(distance(step, honestMean)).toBeLessThan(distance(honest[0]!, honest[1]!))
        const verdict = closed.value.verdicts.get('attacker')
        expect(verdict).toMatchObject({ counted: true, weight: 600, capped: { from: 1e9, to: 600 } })
        expect(verdict?.counted && verdict.clipped?.from).toBeGreaterThan(1e39)
      }
    }
  })

  it('four honest tabs: Krum and Multi-Krum leave the attacker out; the others stay near the honest mean', () => {
    for (const seed of SEEDS) {
      const honest = honestUpdates(seed, 4)
      const honestMean = mean(honest)
      const honestNorm = Math.max(...honest.map(l2Norm))
      for (const aggregator of RULES) {
        const closed = attackRound(aggregator, honest)
        if (!closed.ok) throw new Error(`${aggregator}: ${closed.error.message}`)
        const step = closed.value.outcome
        expect(step.every(Number.isFinite)).toBe(true)
        expect(distance(step, honestMean)).toBeLessThan((aggregator === 'fedavg' ? 2 : 1) * honestNorm)
        if (aggregator === 'krum' || aggregator === 'multi-krum')
          expect(closed.value.verdicts.get('attacker')).toMatchObject({
            counted: false,
            cause: 'not-selected',
          })
      }
    }
  })
})
