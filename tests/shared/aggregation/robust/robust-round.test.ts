import { describe, expect, it } from 'vitest'
import { FedAvgRoundAggregator } from '../../../../shared/aggregation/fedavg-round'
import { RobustRoundAggregator } from '../../../../shared/aggregation/robust/robust-round'
import type { UpdateVerdict } from '../../../../shared/aggregation/round-aggregator'
import { defaultRobustnessConfig, type RobustnessConfig } from '../../../../shared/rounds/config'
import { normalVectors, SEEDS, seeded, v } from './fixtures'

const RULES = ['fedavg', 'median', 'trimmed-mean', 'krum', 'multi-krum', 'centered-clip'] as const
/** FedAvg with the default bounds unless the test says otherwise. */
const config = (patch: Partial<RobustnessConfig> = {}): RobustnessConfig => ({
  ...defaultRobustnessConfig,
  aggregator: 'fedavg',
  ...patch,
})

function closeWith(round: RobustRoundAggregator, updates: readonly [string, number, Float32Array][]) {
  for (const [id, weight, payload] of updates) expect(round.add({ id, weight, payload }).ok).toBe(true)
  return round.close()
}

describe('RobustRoundAggregator: fedavg', () => {
  it('equals FedAvgRoundAggregator on honest inputs when nothing is capped or clipped (property, seeded)', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const n = 1 + Math.floor(random() * 8)
      const length = 1 + Math.floor(random() * 20)
      // Norms in [0.5, 1] and weights in [50, 150): under the default 3 x median bounds, nothing is cut.
      const updates = normalVectors(random, n, length).map((x) => {
        const norm = Math.hypot(...x)
        const target = 0.5 + random() / 2
        return x.map((y) => (y / norm) * target)
      })
      const weights = updates.map(() => 50 + Math.floor(random() * 100))
      for (const denominator of [null, n + 0.5]) {
        const robust = new RobustRoundAggregator(length, config(), denominator)
        const plain = new FedAvgRoundAggregator(length, denominator)
        updates.forEach((payload, i) => {
          robust.add({ id: `c${i}`, weight: weights[i]!, payload })
          plain.add({ id: `c${i}`, weight: weights[i]!, payload })
        })
        const a = robust.close()
        const b = plain.close()
        if (!a.ok || !b.ok) throw new Error('both rounds close')
        for (const verdict of a.value.verdicts.values()) {
          expect(verdict).not.toHaveProperty('clipped')
          expect(verdict).not.toHaveProperty('capped')
        }
        for (let j = 0; j < length; j++)
          expect(Math.abs(a.value.outcome[j]! - b.value.outcome[j]!)).toBeLessThan(1e-6)
      }
    }
  })

  it('records capped weights, clipped norms and scores in the verdicts', () => {
    const round = new RobustRoundAggregator(2, config({ normMultiple: 1, weightCap: 1 }), null)
    const closed = closeWith(round, [
      ['a', 10, v(3, 4)],
      ['b', 20, v(0, 5)],
      ['c', 1000, v(60, 80)],
    ])
    if (!closed.ok) throw new Error(closed.error.message)
    const verdicts = Object.fromEntries(closed.value.verdicts)
    expect(verdicts['a']).toMatchObject({ counted: true, weight: 10 })
    expect(verdicts['c']).toMatchObject({
      counted: true,
      weight: 20,
      capped: { from: 1000, to: 20 },
      clipped: { from: 100, to: 5 },
    })
    // (10 * (3, 4) + 20 * (0, 5) + 20 * (3, 4)) / 50
    expect([...closed.value.outcome].map((x) => Number(x.toFixed(5)))).toEqual([1.8, 4.4])
    // Scored against the coordinate-wise median of the bounded updates, (3, 4): cosines 1, 0.8 and 1.
    const scores = [...closed.value.verdicts.values()].map((v) =>
      Number((v as { score: number }).score.toFixed(6)),
    )
    expect(scores).toEqual([1, 0.8, 1])
  })

  it('rejects updates over a fixed bound, and refuses to close when every update is over it', () => {
    const round = new RobustRoundAggregator(
      2,
      config({ normBound: 'fixed', normValue: 5, overBound: 'reject' }),
      null,
    )
    const closed = closeWith(round, [
      ['a', 1, v(3, 4)],
      ['b', 1, v(30, 40)],
    ])
    if (!closed.ok) throw new Error(closed.error.message)
    expect([...closed.value.outcome]).toEqual([3, 4])
    expect(closed.value.verdicts.get('b')).toEqual({
      counted: false,
      cause: 'over-bound',
      reason: "its L2 norm 50 is over the round's bound 5 (the fixed bound)",
      score: 0,
    })
    const all = new RobustRoundAggregator(
      2,
      config({ normBound: 'fixed', normValue: 1, overBound: 'reject' }),
      null,
    )
    const refused = closeWith(all, [
      ['a', 1, v(3, 4)],
      ['b', 1, v(30, 40)],
    ])
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-state' } })
    expect(!refused.ok && refused.error.message).toMatch(/every update was left out: all 2 L2 norms are over/)
    expect(all.verdicts?.get('a')).toMatchObject({ counted: false, cause: 'over-bound' })
  })
})

describe('RobustRoundAggregator: validation and edge cases', () => {
  it('refuses a wrong length, NaN, Inf, a bad weight or a second update from one id, leaving the round as it was', () => {
    const round = new RobustRoundAggregator(2, config({ aggregator: 'median' }), null)
    const bad: [number, Float32Array, string][] = [
      [1, v(1, 2, 3), 'wrong-shape'],
      [1, v(1, Number.NaN), 'non-finite'],
      [1, v(Number.POSITIVE_INFINITY, 0), 'non-finite'],
      [0, v(1, 2), 'bad-payload'],
      [Number.NaN, v(1, 2), 'bad-payload'],
      [Number.POSITIVE_INFINITY, v(1, 2), 'bad-payload'],
    ]
    for (const [weight, payload, code] of bad)
      expect(round.add({ id: 'a', weight, payload })).toMatchObject({ ok: false, error: { code } })
    expect(round.add({ id: 'a', weight: 1, payload: v(1, 2) }).ok).toBe(true)
    expect(round.add({ id: 'a', weight: 1, payload: v(1, 2) })).toMatchObject({
      error: { code: 'duplicate-update' },
    })
    const closed = round.close()
    expect(closed.ok && [...closed.value.outcome]).toEqual([1, 2])
    expect(round.close()).toMatchObject({ ok: false, error: { code: 'invalid-state' } })
    expect(round.add({ id: 'b', weight: 1, payload: v(1, 2) })).toMatchObject({
      error: { code: 'invalid-state' },
    })
  })

  it('keeps its own copy of each update', () => {
    const round = new RobustRoundAggregator(2, config({ aggregator: 'median' }), null)
    const payload = v(1, 2)
    round.add({ id: 'a', weight: 1, payload })
    payload[0] = 99
    const closed = round.close()
    expect(closed.ok && [...closed.value.outcome]).toEqual([1, 2])
  })

  it('refuses to close an empty round, for every rule; discard is harmless', () => {
    for (const aggregator of RULES) {
      const round = new RobustRoundAggregator(2, config({ aggregator }), null)
      expect(round.close()).toMatchObject({
        ok: false,
        error: { message: 'the round closed without updates' },
      })
      round.discard()
      round.discard()
    }
  })

  it('closes a one-client round to that update with every rule; Krum falls back to FedAvg, naming n and f', () => {
    for (const aggregator of RULES) {
      const round = new RobustRoundAggregator(2, config({ aggregator, clipRadius: 100 }), null)
      const closed = closeWith(round, [['a', 5, v(0.5, -1)]])
      if (!closed.ok) throw new Error(`${aggregator}: ${closed.error.message}`)
      if (aggregator === 'krum' || aggregator === 'multi-krum') {
        expect(closed.value.note).toMatch(/n = 1 with f = 1 .*averaged by FedAvg within the bounds/)
      } else expect(closed.value.note).toBeUndefined()
      expect([...closed.value.outcome]).toEqual([0.5, -1])
      const verdict = closed.value.verdicts.get('a')
      expect(verdict).toEqual({ counted: true, weight: 5, score: expect.closeTo(1, 12) })
    }
  })

  it('Krum leaves out the updates it does not select, with their scores', () => {
    const updates: [string, number, Float32Array][] = [
      ['a', 1, v(1, 1)],
      ['b', 1, v(1.1, 0.9)],
      ['c', 1, v(0.9, 1.1)],
      ['d', 1, v(1, 1.2)],
      ['x', 1, v(-2, -2)],
    ]
    const off = { normBound: 'off' } as const
    const krum = closeWith(
      new RobustRoundAggregator(2, config({ aggregator: 'krum', ...off }), null),
      updates,
    )
    if (!krum.ok) throw new Error(krum.error.message)
    expect([...krum.value.outcome]).toEqual([...v(1, 1)])
    const counted = [...krum.value.verdicts].filter(([, verdict]) => verdict.counted).map(([id]) => id)
    expect(counted).toEqual(['a'])
    expect(krum.value.verdicts.get('x')).toMatchObject({ counted: false, cause: 'not-selected', score: 0 })
    expect((krum.value.verdicts.get('x') as { reason: string }).reason).toMatch(/not selected by Krum/)

    const multi = closeWith(
      new RobustRoundAggregator(2, config({ aggregator: 'multi-krum', ...off }), null),
      updates,
    )
    if (!multi.ok) throw new Error(multi.error.message)
    const verdicts: [string, UpdateVerdict][] = [...multi.value.verdicts]
    expect(verdicts.filter(([, verdict]) => !verdict.counted).map(([id]) => id)).toEqual(['x'])
    expect([...multi.value.outcome].map((x) => Number(x.toFixed(5)))).toEqual([1, 1.05])
  })

  it('uses the previous step as centered clipping`s center', () => {
    const round = new RobustRoundAggregator(
      1,
      config({ aggregator: 'centered-clip', clipIterations: 1 }),
      null,
      v(8),
    )
    const closed = closeWith(round, [
      ['a', 1, v(10)],
      ['b', 1, v(10)],
    ])
    expect(closed.ok && [...closed.value.outcome]).toEqual([9])
  })

  it('with DP on, accepts fedavg only, and still caps weights and bounds norms', () => {
    for (const aggregator of RULES.filter((rule) => rule !== 'fedavg'))
      expect(() => new RobustRoundAggregator(2, config({ aggregator }), 4)).toThrow(
        new RegExp(`DP round aggregates with 'fedavg' only, not '${aggregator}'`),
      )
    const round = new RobustRoundAggregator(2, config({ normBound: 'fixed', normValue: 1 }), 4)
    const closed = closeWith(round, [
      ['a', 1, v(0.6, 0.8)],
      ['b', 1, v(0, 10)],
    ])
    if (!closed.ok) throw new Error(closed.error.message)
    expect([...closed.value.outcome].map((x) => Number(x.toFixed(5)))).toEqual([0.15, 0.45])
    expect(closed.value.verdicts.get('b')).toMatchObject({ clipped: { from: 10, to: 1 } })
  })

  it('refuses an invalid config or a previous step of the wrong length at construction', () => {
    expect(() => new RobustRoundAggregator(2, config({ trimFraction: 0.5 }), null)).toThrow(
      /invalid robustness/,
    )
    expect(() => new RobustRoundAggregator(2, config(), 0)).toThrow(/denominator/)
    expect(() => new RobustRoundAggregator(2, config(), null, v(1))).toThrow(/previous step/)
  })
})
