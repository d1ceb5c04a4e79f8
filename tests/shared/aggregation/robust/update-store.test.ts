import { describe, expect, it } from 'vitest'
import { centeredClip, centeredClipOf } from '../../../../shared/aggregation/robust/centered-clip'
import { coordinateMedian, coordinateMedianOf } from '../../../../shared/aggregation/robust/coordinate-median'
import { krumScores, krumScoresOf } from '../../../../shared/aggregation/robust/krum'
import { RobustRoundAggregator } from '../../../../shared/aggregation/robust/robust-round'
import { arrayRows, readRow, rowNorms, selectedRows } from '../../../../shared/aggregation/robust/rows'
import { trimmedMean, trimmedMeanOf } from '../../../../shared/aggregation/robust/trimmed-mean'
import {
  budgetedUpdates,
  InMemoryUpdateStore,
  type UpdateStore,
} from '../../../../shared/aggregation/robust/update-store'
import { l2Norm, scaled } from '../../../../shared/aggregation/robust/vector-math'
import { defaultRobustnessConfig } from '../../../../shared/rounds/config'
import { normalVectors, SEEDS, seeded, v } from './fixtures'

const bits = (x: Float32Array): number[] => [...new Uint32Array(x.buffer, x.byteOffset, x.length)]

describe('UpdateStore', () => {
  it('keeps a copy of each update in memory and reads any span of it back', () => {
    const store = new InMemoryUpdateStore(4)
    const payload = v(1, 2, 3, 4)
    store.add(payload)
    store.add(v(5, 6, 7, 8))
    payload[0] = 99 // the caller's array is its own
    const into = new Float32Array(2)
    store.read(0, 0, 2, into)
    expect([...into]).toEqual([1, 2])
    store.read(1, 2, 4, into)
    expect([...into]).toEqual([7, 8])
    expect(store.count).toBe(2)
    expect(() => store.add(v(1, 2))).toThrow(/of 4 values was given 2/)
    store.dispose()
    expect(() => store.read(0, 0, 1, into)).toThrow(/no update 0/)
    expect(() => store.add(v(1, 2, 3, 4))).toThrow(/disposed/)
  })

  it('spills past its memory budget, numbering updates in the order they came, and frees both parts', () => {
    const spilled: InMemoryUpdateStore[] = []
    const factory = budgetedUpdates(2 * 3 * 4, (length) => {
      const store = new InMemoryUpdateStore(length)
      spilled.push(store)
      return store
    })
    const store = factory(3)
    store.add(v(1, 1, 1))
    store.add(v(2, 2, 2))
    expect(spilled).toHaveLength(0) // two models fit the budget: nothing spilled
    store.add(v(3, 3, 3))
    store.add(v(4, 4, 4))
    expect(spilled).toHaveLength(1)
    expect(spilled[0]!.count).toBe(2)
    expect(store.count).toBe(4)
    expect([0, 1, 2, 3].map((i) => readRow(store, i)[0])).toEqual([1, 2, 3, 4])
    store.dispose()
    expect(spilled[0]!.count).toBe(0)
    expect(() => budgetedUpdates(-1, (l) => new InMemoryUpdateStore(l))).toThrow(/non-negative/)
  })

  it('keeps an update in memory when the spill store fails (a full disk): counted updates are never lost', () => {
    let writes = 0
    const factory = budgetedUpdates(3 * 4, (length) => {
      const store = new InMemoryUpdateStore(length)
      return {
        length,
        get count() {
          return store.count
        },
        add(values: Float32Array) {
          if (++writes > 1) throw new Error('ENOSPC: no space left on device')
          store.add(values)
        },
        read: (index: number, start: number, end: number, into: Float32Array) =>
          store.read(index, start, end, into),
        dispose: () => store.dispose(),
      }
    })
    const store = factory(3)
    for (const x of [1, 2, 3, 4]) store.add(v(x, x, x))
    expect(store.count).toBe(4)
    expect([0, 1, 2, 3].map((i) => readRow(store, i)[0])).toEqual([1, 2, 3, 4])
  })
})

describe('the rules over spans equal the rules over whole vectors, to the bit (property, seeded)', () => {
  it('for every span length, including ones that do not divide the model', () => {
    for (const seed of SEEDS) {
      const random = seeded(seed)
      const n = 3 + Math.floor(random() * 6)
      const length = 1 + Math.floor(random() * 40)
      const updates = normalVectors(random, n, length)
      const rows = arrayRows(updates, 'test')
      for (const span of [1, 3, 7, length, length + 5]) {
        expect(bits(coordinateMedianOf(rows, span))).toEqual(bits(coordinateMedian(updates)))
        expect(bits(trimmedMeanOf(rows, 0.2, span))).toEqual(bits(trimmedMean(updates, 0.2)))
        expect(krumScoresOf(rows, 0, span)).toEqual(krumScores(updates, 0))
        const options = { tau: 0.5, iterations: 3, center: null }
        expect(bits(centeredClipOf(rows, options, span))).toEqual(bits(centeredClip(updates, options)))
        expect(rowNorms(rows, span)).toEqual(updates.map(l2Norm))
        // A row scaled as it is read holds what a scaled copy holds.
        const factor = 0.3 + random()
        const picked = selectedRows(rows, [n - 1, 0], [factor, 1])
        expect(bits(readRow(picked, 0))).toEqual(bits(scaled(updates[n - 1]!, factor)))
        expect(bits(readRow(picked, 1))).toEqual(bits(updates[0]!))
      }
    }
  })
})

describe('RobustRoundAggregator and its store', () => {
  const config = { ...defaultRobustnessConfig, aggregator: 'median' as const }

  it('disposes its store on close and on discard', () => {
    const stores: UpdateStore[] = []
    const track = (length: number) => {
      const store = new InMemoryUpdateStore(length)
      stores.push(store)
      return store
    }
    const closed = new RobustRoundAggregator(2, config, null, null, { store: track })
    closed.add({ id: 'a', weight: 1, payload: v(1, 2) })
    expect(closed.close().ok).toBe(true)
    const discarded = new RobustRoundAggregator(2, config, null, null, { store: track })
    discarded.add({ id: 'a', weight: 1, payload: v(1, 2) })
    discarded.discard()
    expect(stores.map((s) => s.count)).toEqual([0, 0])
    expect(discarded.add({ id: 'b', weight: 1, payload: v(1, 2) })).toMatchObject({ ok: false })
  })

  it('scans values for non-finite ones unless the caller says it did', () => {
    const scanning = new RobustRoundAggregator(2, config, null)
    expect(scanning.add({ id: 'a', weight: 1, payload: v(1, Number.NaN) })).toMatchObject({
      ok: false,
      error: { code: 'non-finite' },
    })
    const trusting = new RobustRoundAggregator(2, config, null, null, { finiteChecked: true })
    expect(trusting.add({ id: 'a', weight: 1, payload: v(1, 2) }).ok).toBe(true)
    expect(trusting.add({ id: 'b', weight: 1, payload: v(1) })).toMatchObject({
      ok: false,
      error: { code: 'wrong-shape' },
    })
    expect(() => new RobustRoundAggregator(2, config, null, null, { spanLength: 0 })).toThrow(/span length/)
  })
})
