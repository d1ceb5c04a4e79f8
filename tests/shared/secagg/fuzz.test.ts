import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SecAggClient } from '../../../shared/secagg/client'
import { SecAggServer } from '../../../shared/secagg/server'
import { plan } from './simulate'

const must = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.value
}

/** Arbitrary values, and near-misses of the real shapes (right type tag, wrong fields). */
const junk = fc.oneof(
  fc.anything(),
  fc.record({
    type: fc.constantFrom(
      'advertise-keys',
      'share-keys',
      'masked-input',
      'unmask-response',
      'share-keys-request',
      'masked-input-request',
      'unmask-request',
    ),
    from: fc.oneof(fc.integer(), fc.double(), fc.string()),
    peers: fc.array(fc.anything(), { maxLength: 4 }),
    encryptedShares: fc.array(
      fc.record({ to: fc.integer(), from: fc.integer(), ciphertext: fc.uint8Array() }),
      {
        maxLength: 4,
      },
    ),
    survivors: fc.array(fc.integer(), { maxLength: 4 }),
    dropped: fc.array(fc.integer(), { maxLength: 4 }),
    masked: fc.oneof(fc.uint8Array(), fc.constant(new Uint32Array(3))),
    selfMaskSeedShares: fc.array(fc.record({ owner: fc.integer(), share: fc.uint8Array() }), {
      maxLength: 3,
    }),
  }),
)

describe('hostile frames never throw out of the state machines', () => {
  it('server: every receive answers junk with a refusal, in every phase', () => {
    const params = plan(4, 4, { neighbours: 3 })
    const server = must(SecAggServer.create(params))
    fc.assert(
      fc.property(junk, fc.constantFrom(...params.clientIds, 0, 99), (input, sender) => {
        for (const receive of [
          server.receiveAdvertiseKeys,
          server.receiveShareKeys,
          server.receiveMaskedInput,
          server.receiveUnmaskResponse,
        ]) {
          expect(receive.call(server, sender, input).ok).toBe(false)
        }
      }),
      { numRuns: 300 },
    )
    expect(server.roundReport.refusedCount).toBeGreaterThan(1000)
    expect(server.roundReport.refused.length).toBe(256) // a flood is counted, not stored
  })

  it('server: junk in each phase is refused, and the round then completes as if nothing happened', async () => {
    const params = plan(4, 4, { neighbours: 3 })
    const server = must(SecAggServer.create(params))
    const clients = new Map(params.clientIds.map((id) => [id, must(SecAggClient.create(params, id))]))
    const flood = (receive: (sender: number, input: unknown) => { ok: boolean }) =>
      fc.assert(
        fc.property(junk, fc.constantFrom(...params.clientIds), (input, sender) => {
          expect(receive.call(server, sender, input).ok).toBe(false)
        }),
        { numRuns: 150 },
      )
    flood(server.receiveAdvertiseKeys)
    for (const [id, c] of clients) must(server.receiveAdvertiseKeys(id, must(c.advertiseKeys())))
    const shareRequests = must(server.closeAdvertising())
    flood(server.receiveShareKeys)
    for (const [id, r] of shareRequests)
      must(server.receiveShareKeys(id, must(await clients.get(id)!.shareKeys(r))))
    const maskRequests = must(server.closeSharing())
    flood(server.receiveMaskedInput)
    for (const [id, r] of maskRequests) {
      must(
        server.receiveMaskedInput(
          id,
          must(clients.get(id)!.maskQuantizedInput(r, Uint32Array.of(1, 2, 3, 4))),
        ),
      )
    }
    const unmaskRequests = must(server.closeMaskedInput())
    flood(server.receiveUnmaskResponse)
    for (const [id, r] of unmaskRequests)
      must(server.receiveUnmaskResponse(id, must(clients.get(id)!.unmask(r))))
    const outcome = must(await server.finish())
    expect([...outcome.sum]).toEqual([4, 8, 12, 16])
  })

  it('client: every step answers junk with a refusal', async () => {
    const params = plan(4, 4, { neighbours: 3 })
    const client = must(SecAggClient.create(params, params.clientIds[0]!))
    must(client.advertiseKeys())
    await fc.assert(
      fc.asyncProperty(junk, async (input) => {
        expect((await client.shareKeys(input)).ok).toBe(false)
        expect(client.maskInput(input, new Float32Array(4)).ok).toBe(false)
        expect(client.unmask(input).ok).toBe(false)
      }),
      { numRuns: 300 },
    )
    expect(client.currentPhase).toBe('advertised')
  })
})
