import { describe, expect, it } from 'vitest'
import type { ClientId } from '../../../shared/secagg/graph'
import { planQuantizer, sumErrorBound } from '../../../shared/secagg/quantization'
import { randomWords } from '../../../shared/secagg/random'
import { ids, plan, simulateRound } from './simulate'

/** Integers uniform in [-L, L], stored mod 2^32: inputs whose quantization is known exactly. */
function gridVector(length: number, maxLevel: number): Uint32Array {
  const words = randomWords(length)
  return words.map((w) => (w % (2 * maxLevel + 1)) - maxLevel)
}

/** The plain sum mod 2^32 of the listed clients' vectors: what unmasking must return, word for word. */
function plainSum(
  vectors: ReadonlyMap<ClientId, Uint32Array>,
  survivors: readonly ClientId[],
  length: number,
) {
  const sum = new Uint32Array(length)
  for (const id of survivors) {
    const v = vectors.get(id)!
    for (let i = 0; i < length; i++) sum[i] = sum[i]! + v[i]!
  }
  return sum
}

const M = 257
const N = 10

describe('a whole masked round in memory (Bonawitz et al. 2017; Bell et al. 2020)', () => {
  const scenarios = [
    { graph: 'full graph (SecAgg)', neighbours: N - 1 },
    { graph: 'k = 4 (SecAgg+)', neighbours: 4 },
  ]
  const dropouts = [
    { name: 'no dropouts', drops: {} },
    { name: '(a) after advertising keys', drops: { afterAdvertising: [101] } },
    { name: '(b) after sharing keys, before masked input', drops: { afterSharing: [115] } },
    { name: '(c) after sending masked input', drops: { afterMasking: [129] } },
  ]
  for (const { graph, neighbours } of scenarios) {
    for (const { name, drops } of dropouts) {
      it(`${graph}, ${name}: the sum is exactly the survivors' quantized inputs`, async () => {
        const params = plan(N, M, { neighbours, bits: 12 })
        const { maxLevel } = planQuantizer(params.clamp, params.bits, N)
        const vectors = new Map(params.clientIds.map((id) => [id, gridVector(M, maxLevel)]))
        const { outcome, server } = await simulateRound(params, (id) => vectors.get(id)!, drops)
        if (!outcome.ok) throw new Error(outcome.error.reason)
        const gone = [...(drops.afterAdvertising ?? []), ...(drops.afterSharing ?? [])]
        const expected = ids(N).filter((id) => !gone.includes(id))
        expect(outcome.value.survivors).toEqual(expected)
        expect([...outcome.value.sum]).toEqual([...plainSum(vectors, expected, M)])
        expect(server.currentPhase).toBe('finished')
        if (drops.afterMasking) expect(outcome.value.report.dropped.unmasking).toEqual(drops.afterMasking)
      })
    }
  }

  it('dropouts in every phase at once (full graph, t = 6 of 10): exact sum of the 8 survivors', async () => {
    const params = plan(N, M, { neighbours: N - 1 })
    expect(params.threshold).toBe(6)
    const { maxLevel } = planQuantizer(params.clamp, params.bits, N)
    const vectors = new Map(params.clientIds.map((id) => [id, gridVector(M, maxLevel)]))
    const drops = { afterAdvertising: [108], afterSharing: [122, 136], afterMasking: [150] }
    const { outcome } = await simulateRound(params, (id) => vectors.get(id)!, drops)
    if (!outcome.ok) throw new Error(outcome.error.reason)
    const expected = ids(N).filter((id) => ![108, 122, 136].includes(id))
    expect([...outcome.value.sum]).toEqual([...plainSum(vectors, expected, M)])
    expect(outcome.value.report.dropped).toEqual({
      'advertise-keys': [],
      'share-keys': [108],
      'masked-input': [122, 136],
      unmasking: [150],
    })
  })

  it('float updates: the average is within clamp / L of the survivors average of clipped inputs', async () => {
    const params = plan(N, 1000, { neighbours: 4, clamp: 0.5, bits: 16 })
    const quantizer = planQuantizer(params.clamp, params.bits, N)
    const updates = new Map(
      params.clientIds.map((id) => [
        id,
        Float32Array.from({ length: 1000 }, (_, i) => Math.sin(id * 13 + i) * 0.7),
      ]),
    )
    const drops = { afterSharing: [108] }
    const { outcome } = await simulateRound(params, (id) => updates.get(id)!, drops)
    if (!outcome.ok) throw new Error(outcome.error.reason)
    const survivors = outcome.value.survivors
    expect(survivors).toHaveLength(N - 1)
    const bound = sumErrorBound(quantizer, survivors.length) / survivors.length
    let worst = 0
    for (let i = 0; i < 1000; i++) {
      const exact =
        survivors.reduce((sum, id) => sum + Math.min(0.5, Math.max(-0.5, updates.get(id)![i]!)), 0) /
        survivors.length
      worst = Math.max(worst, Math.abs(outcome.value.average[i]! - exact))
    }
    expect(worst).toBeLessThan(bound + 1e-7)
    expect(worst).toBeGreaterThan(0) // rounding happened: the check is not vacuous
  })

  it('SecAgg+ excludes a client whose neighbourhood fell below t before it shared anything', async () => {
    const params = plan(N, 16, { neighbours: 2 }) // 3 holders, t = 2: losing both neighbours leaves 1
    const { outcome, server } = await simulateRound(params, () => new Float32Array(16), {})
    expect(outcome.ok).toBe(true)
    // Find a client and drop both of its neighbours before advertising: it must be excluded, not block the round.
    const neighbourhood = (await import('../../../shared/secagg/graph')).buildGraph(
      params.clientIds,
      2,
      params.graphSeed,
    )
    const [lonely, links] = [...neighbourhood][0]!
    const again = await simulateRound(params, () => new Float32Array(16), { beforeAdvertising: [...links] })
    if (!again.outcome.ok) throw new Error(again.outcome.error.reason)
    expect(again.outcome.value.survivors).not.toContain(lonely)
    expect(again.server.roundReport.excluded.get(lonely)).toMatch(/advertise-keys: 1 live holders.*t = 2/)
    expect(server.roundReport.excluded.size).toBe(0)
  })
})

describe('below threshold the round is abandoned, with the phase and the counts, and no sum', () => {
  const half = ids(N).slice(0, 5)
  const cases = [
    {
      phase: 'advertise-keys',
      drops: { beforeAdvertising: half },
      reason: /5 of 10 clients advertised keys/,
    },
    { phase: 'share-keys', drops: { afterAdvertising: half }, reason: /5 of 10 clients shared keys/ },
    { phase: 'masked-input', drops: { afterSharing: half }, reason: /5 of 10 clients sent masked input/ },
    { phase: 'unmasking', drops: { afterMasking: half }, reason: /5 of 10 clients answered the unmasking/ },
  ] as const
  for (const { phase, drops, reason } of cases) {
    it(`${phase}: 5 of 10 left, t = 6`, async () => {
      const params = plan(N, 8, { neighbours: N - 1 })
      const { outcome, server } = await simulateRound(params, () => new Float32Array(8), drops)
      expect(outcome.ok).toBe(false)
      if (outcome.ok) return
      expect(outcome.error.phase).toBe(phase)
      expect(outcome.error.reason).toMatch(new RegExp(`abandoned in phase ${phase}`))
      expect(outcome.error.reason).toMatch(reason)
      expect(outcome.error.reason).toMatch(/threshold t = 6/)
      expect(server.currentPhase).toBe('abandoned')
      expect(server.roundReport.abandoned).toEqual(outcome.error)
      expect((await server.finish()).ok).toBe(false)
    })
  }
})

describe('SecAgg+ neighbourhoods thinned by dropouts (k = 2, t = 2: each client has 3 holders)', () => {
  async function lonelyClient(n: number) {
    const params = plan(n, 32, { neighbours: 2 })
    const { buildGraph } = await import('../../../shared/secagg/graph')
    const [lonely, links] = [...buildGraph(params.clientIds, 2, params.graphSeed)][0]!
    return { params, lonely, links: [...links] }
  }

  it('both neighbours gone after advertising: excluded at share-keys, and the rest sum exactly', async () => {
    const { params, lonely, links } = await lonelyClient(12)
    const { maxLevel } = planQuantizer(params.clamp, params.bits, 12)
    const vectors = new Map(params.clientIds.map((id) => [id, gridVector(32, maxLevel)]))
    const { outcome, server } = await simulateRound(params, (id) => vectors.get(id)!, {
      afterAdvertising: links,
    })
    if (!outcome.ok) throw new Error(outcome.error.reason)
    expect(server.roundReport.excluded.get(lonely)).toMatch(/share-keys: 1 live holders/)
    const expected = params.clientIds.filter((id) => id !== lonely && !links.includes(id))
    expect(outcome.value.survivors).toEqual(expected)
    expect([...outcome.value.sum]).toEqual([...plainSum(vectors, expected, 32)])
  })

  it('both neighbours gone after sharing: its b shares cannot reach t, so the round is abandoned naming it', async () => {
    const { params, lonely, links } = await lonelyClient(12)
    const { outcome } = await simulateRound(params, () => new Float32Array(32), { afterSharing: links })
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        phase: 'masked-input',
        reason: new RegExp(`client ${lonely}'s self-mask seed has 1 live holders`),
      },
    })
  })
})
