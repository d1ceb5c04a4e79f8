import { describe, expect, it } from 'vitest'
import { generateKeyPair, type KeyPair } from '../../../shared/chain/keys'
import { applyTransaction } from '../../../shared/chain/ledger'
import { accountOf, emptyState, marketOf } from '../../../shared/chain/state'
import { signTransaction } from '../../../shared/chain/transaction'
import { DataHandler } from '../../../shared/data/data-handler'
import { GENERATORS } from '../../../shared/data/generators'
import { readDatasetFrame } from '../../../shared/market/dataset-frame'
import { dpSummary } from '../../../shared/market/dp-summary'
import type { DpSummary } from '../../../shared/market/types'
import type { DataFrame } from '../../../shared/privacy/dataframe'
import { seededRandom } from '../../../shared/random'
import { listingPayload } from '../../helpers/market-fixtures'

/** The built-in medical data as a provider's tab reads it. */
function medical(rows: number) {
  const table = DataHandler.generate(GENERATORS.medical, rows, 11)
  return { schema: table.schema, frame: readDatasetFrame(DataHandler.toCsv(table), table.schema).frame }
}
const { schema, frame } = medical(400)

/** The statistics the summary estimates, computed on the rows themselves (population variance). */
function truth(frame: DataFrame, name: string) {
  const values = frame.get(name)!.map(Number)
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length
  return { mean, variance }
}
const countOf = (frame: DataFrame, name: string, value: string) =>
  frame.get(name)!.filter((v) => String(v) === value).length
const inside = (x: number, e: { low?: number; high?: number }) => e.low! <= x && x <= e.high!

describe('dpSummary intervals', () => {
  it.each([
    { rows: 400, epsilon: 1 },
    { rows: 5000, epsilon: 1 },
  ])(
    'cover the true statistics in at least 90 of 100 seeded runs, per statistic ($rows rows, epsilon $epsilon)',
    ({ rows, epsilon }) => {
      const { frame } = medical(rows)
      const covered = new Map<string, number>()
      const widths = new Map<string, number[]>()
      const hit = (key: string, ok: boolean) => covered.set(key, (covered.get(key) ?? 0) + (ok ? 1 : 0))
      for (let run = 0; run < 100; run++) {
        const s: DpSummary = dpSummary(frame, schema, epsilon, seededRandom(1000 + run))
        expect(s.confidence).toBe(0.95)
        hit('rows', inside(rows, s.rowCount!))
        for (const c of s.columns) {
          if (c.kind === 'numeric') {
            const t = truth(frame, c.name)
            hit(`mean ${c.name}`, inside(t.mean, c.meanEstimate!))
            hit(`variance ${c.name}`, inside(t.variance, c.variance!))
            widths.set(c.name, [
              ...(widths.get(c.name) ?? []),
              Math.sqrt(c.variance!.high) - Math.sqrt(c.variance!.low),
            ])
            const f = schema.features.find((f) => f.name === c.name)!
            const range = f.type === 'numeric' || f.type === 'integer' ? f.max - f.min : Number.NaN
            expect(c.meanEstimate!.high - c.meanEstimate!.low).toBeLessThan(0.35 * range)
          } else {
            for (const h of c.histogram!)
              hit(`count ${c.name}=${h.value}`, inside(countOf(frame, c.name, h.value), h))
          }
        }
      }
      // 1 count, 6 means, 6 variances, 2 booleans and the label with 2 values each.
      expect(covered.size).toBe(1 + 6 + 6 + 3 * 2)
      for (const [key, n] of covered) expect(n, key).toBeGreaterThanOrEqual(90)
      if (rows === 5000) {
        // Informative, not merely wide: the std of age (14.7 in [18, 90]) is pinned to within a few years.
        const ageWidths = widths.get('age')!.sort((a, b) => a - b)
        expect(ageWidths[50]).toBeLessThan(3)
      }
    },
  )

  it('state their width from the mechanism: the row count interval is count ± k, the exact discrete Laplace tail at b = 1 / (epsilon / 16 releases)', () => {
    const s = dpSummary(frame, schema, 1, seededRandom(3))
    const b = 1 / (1 / (1 + 2 * 6 + 3))
    expect(s.rowCount!.scale).toBeCloseTo(b, 9)
    // Integer noise: the smallest k with P(|Z| > k) = 2 q^(k+1) / (1 + q) <= 5%, q = e^(-1/b); about b ln 20.
    const q = Math.exp(-1 / b)
    const k = s.rowCount!.high - s.rowCount!.value
    expect(Number.isInteger(k)).toBe(true)
    expect((2 * q ** (k + 1)) / (1 + q)).toBeLessThanOrEqual(0.05)
    expect((2 * q ** k) / (1 + q)).toBeGreaterThan(0.05)
    expect(Math.abs(k - b * Math.log(20))).toBeLessThan(1)
    const age = s.columns.find((c) => c.name === 'age')!
    // Centred sum of ages in [18, 90]: sensitivity 36, scale 36 / (1 / 16), over the noisy count.
    expect(age.meanEstimate!.scale).toBeCloseTo((36 * 16) / s.rowCount!.value, 9)
  })

  it('reports a variance estimate below zero as negative, with no std', () => {
    const flat = new Map(frame)
    flat.set(
      'age',
      frame.get('age')!.map(() => 50),
    )
    const estimates = Array.from(
      { length: 40 },
      (_, run) => dpSummary(flat, schema, 1, seededRandom(run)).columns.find((c) => c.name === 'age')!,
    )
    const negative = estimates.filter((c) => c.variance!.value < 0)
    expect(negative.length).toBeGreaterThan(5)
    for (const c of negative) {
      expect(c.std).toBeUndefined()
      expect(c.variance!.low).toBe(0)
      // The true variance is 0: an interval may shrink to [0, 0] and still cover it.
      expect(c.variance!.high).toBeGreaterThanOrEqual(0)
    }
    for (const c of estimates.filter((c) => c.variance!.value >= 0)) expect(c.std).toBeGreaterThanOrEqual(0)
  })

  it('pass the market contract with the listing and are stored as sent; older summaries without them still do', () => {
    const producer = generateKeyPair()
    const provider = generateKeyPair()
    let state = emptyState('dp-test')
    const send = (keys: KeyPair, type: string, payload: unknown) => {
      const tx = signTransaction(keys, {
        chainId: 'dp-test',
        nonce: accountOf(state, keys.address).nonce,
        type,
        payload: payload as never,
        timestamp: 1_767_225_600_000,
      })
      const result = applyTransaction(state, tx)
      if (result.ok) state = result.value
      return result
    }
    send(producer, 'chain.genesis', { faucetAmount: 100 })
    send(provider, 'market.register-provider', { name: 'Clinic', description: '' })
    const summary = dpSummary(frame, schema, 1, seededRandom(8))
    const payload = (s: unknown) => listingPayload({ schema, summary: JSON.parse(JSON.stringify(s)) })
    expect(send(provider, 'market.list-dataset', payload(summary)).ok).toBe(true)
    expect(marketOf(state).datasets['ds-1']!.summary).toEqual(summary)
    expect(send(provider, 'market.list-dataset', listingPayload()).ok).toBe(true)
    const reversed = { ...summary, rowCount: { ...summary.rowCount!, low: 500, high: 400 } }
    const refused = send(provider, 'market.list-dataset', payload(reversed))
    expect(!refused.ok && refused.error.message).toMatch(/rowCount/)
  })
})
