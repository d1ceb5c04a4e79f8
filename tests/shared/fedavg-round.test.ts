import { describe, expect, it } from 'vitest'
import { fedAvg } from '../../shared/aggregation/fedavg'
import { FedAvgRoundAggregator } from '../../shared/aggregation/fedavg-round'

const v = (...values: number[]) => Float32Array.from(values)

describe('FedAvgRoundAggregator (the plain RoundAggregator)', () => {
  it('closes to the example-weighted mean, with a verdict per update', () => {
    const round = new FedAvgRoundAggregator(2, null)
    expect(round.add({ id: 'a', weight: 100, payload: v(1, 2) })).toEqual({ ok: true, value: null })
    expect(round.add({ id: 'b', weight: 300, payload: v(5, -2) })).toEqual({ ok: true, value: null })
    const closed = round.close()
    expect(closed.ok).toBe(true)
    if (!closed.ok) return
    const expected = fedAvg([
      { values: v(1, 2), weight: 100 },
      { values: v(5, -2), weight: 300 },
    ])
    expect([...closed.value.outcome]).toEqual([...expected])
    expect(Object.fromEntries(closed.value.verdicts)).toEqual({ a: { counted: true }, b: { counted: true } })
    // Spent after close.
    expect(round.close()).toMatchObject({ ok: false, error: { code: 'invalid-state' } })
    expect(round.add({ id: 'c', weight: 1, payload: v(0, 0) })).toMatchObject({ ok: false })
  })

  it('in a DP round, sums over the fixed denominator', () => {
    const round = new FedAvgRoundAggregator(2, 4)
    round.add({ id: 'a', weight: 1, payload: v(1, 2) })
    round.add({ id: 'b', weight: 1, payload: v(3, 2) })
    const closed = round.close()
    expect(closed.ok && [...closed.value.outcome]).toEqual([1, 1])
  })

  it('refuses a wrong length, a non-finite value or a bad weight, leaving the round as it was', () => {
    const round = new FedAvgRoundAggregator(2, null)
    expect(round.add({ id: 'a', weight: 1, payload: v(1, 2, 3) })).toMatchObject({
      error: { code: 'wrong-shape' },
    })
    expect(round.add({ id: 'a', weight: 1, payload: v(1, Number.NaN) })).toMatchObject({
      error: { code: 'non-finite' },
    })
    expect(round.add({ id: 'a', weight: 0, payload: v(1, 2) })).toMatchObject({
      error: { code: 'bad-payload' },
    })
    expect(round.close()).toMatchObject({ ok: false, error: { code: 'invalid-state' } })
  })
})
