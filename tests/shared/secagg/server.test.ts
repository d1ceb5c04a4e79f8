import { describe, expect, it } from 'vitest'
import { SecAggClient } from '../../../shared/secagg/client'
import type { ClientId } from '../../../shared/secagg/graph'
import type { AdvertiseKeys } from '../../../shared/secagg/messages'
import { SecAggServer } from '../../../shared/secagg/server'
import { plan } from './simulate'

const must = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.value
}

/** A full-graph round of 6 (t = 4), driven by hand so a test can step in anywhere. */
function start(vectorLength = 4) {
  const params = plan(6, vectorLength, { neighbours: 5 })
  const server = must(SecAggServer.create(params))
  const clients = new Map(params.clientIds.map((id) => [id, must(SecAggClient.create(params, id))]))
  const keys = new Map<ClientId, AdvertiseKeys>()
  for (const [id, c] of clients) keys.set(id, must(c.advertiseKeys()))
  return { params, server, clients, keys }
}

async function toUnmasking(vectorLength = 4) {
  const round = start(vectorLength)
  const { server, clients, keys } = round
  for (const [id, k] of keys) must(server.receiveAdvertiseKeys(id, k))
  for (const [id, request] of must(server.closeAdvertising())) {
    must(server.receiveShareKeys(id, must(await clients.get(id)!.shareKeys(request))))
  }
  for (const [id, request] of must(server.closeSharing())) {
    must(
      server.receiveMaskedInput(
        id,
        must(clients.get(id)!.maskInput(request, new Float32Array(vectorLength))),
      ),
    )
  }
  return { ...round, unmaskRequests: must(server.closeMaskedInput()) }
}

describe('the server refuses what a hostile client sends, and says why', () => {
  it('advertise-keys: strangers, impostors, repeats, copied or low-order keys, malformed', () => {
    const { server, keys } = start()
    const own = keys.get(101)!
    expect(server.receiveAdvertiseKeys(4242, { ...own, from: 4242 })).toMatchObject({
      error: { code: 'not-selected' },
    })
    expect(server.receiveAdvertiseKeys(108, own)).toMatchObject({
      error: { code: 'unauthorized', message: /claims to be from 101/ },
    })
    expect(server.receiveAdvertiseKeys(101, { ...own, maskPublicKey: new Uint8Array(32) })).toMatchObject({
      error: { code: 'bad-payload', message: /low-order/ },
    })
    expect(server.receiveAdvertiseKeys(101, { ...own, maskPublicKey: new Uint8Array(31) })).toMatchObject({
      error: { message: /32 bytes/ },
    })
    expect(server.receiveAdvertiseKeys(101, own)).toEqual({ ok: true, value: undefined })
    expect(server.receiveAdvertiseKeys(101, own)).toMatchObject({ error: { code: 'duplicate-update' } })
    const copy = { ...keys.get(108)!, encryptionPublicKey: own.encryptionPublicKey }
    expect(server.receiveAdvertiseKeys(108, copy)).toMatchObject({
      error: { message: /repeats one already advertised/ },
    })
    expect(server.receiveAdvertiseKeys(115, 'keys please')).toMatchObject({ error: { code: 'bad-payload' } })
    expect(server.receiveShareKeys(101, {})).toMatchObject({ error: { code: 'stale-round' } })
    expect(server.roundReport.refused.length).toBe(8)
  })

  it('share-keys: exactly one ciphertext per holder it was given', async () => {
    const { server, clients, keys } = start()
    for (const [id, k] of keys) must(server.receiveAdvertiseKeys(id, k))
    const requests = must(server.closeAdvertising())
    const message = must(await clients.get(101)!.shareKeys(requests.get(101)))
    const missing = { ...message, encryptedShares: message.encryptedShares.slice(1) }
    expect(server.receiveShareKeys(101, missing)).toMatchObject({
      error: { message: /one ciphertext for each of 5/ },
    })
    const doubled = { ...message, encryptedShares: [...message.encryptedShares, message.encryptedShares[0]] }
    expect(server.receiveShareKeys(101, doubled)).toMatchObject({
      error: { message: /names client \d+ twice/ },
    })
    const short = { ...message, selfMaskCommitment: new Uint8Array(8) }
    expect(server.receiveShareKeys(101, short)).toMatchObject({
      error: { message: /commitment must be 32 bytes/ },
    })
    expect(server.receiveShareKeys(101, message)).toMatchObject({ ok: true })
  })

  it('masked input: right length only, once', async () => {
    const { server, clients, keys } = start(4)
    for (const [id, k] of keys) must(server.receiveAdvertiseKeys(id, k))
    for (const [id, request] of must(server.closeAdvertising())) {
      must(server.receiveShareKeys(id, must(await clients.get(id)!.shareKeys(request))))
    }
    const requests = must(server.closeSharing())
    const masked = must(clients.get(101)!.maskInput(requests.get(101), new Float32Array(4)))
    expect(server.receiveMaskedInput(101, { ...masked, masked: new Uint32Array(5) })).toMatchObject({
      error: { message: /Uint32Array of 4 words/ },
    })
    expect(server.receiveMaskedInput(101, { ...masked, masked: new Float32Array(4) })).toMatchObject({
      ok: false,
    })
    expect(server.receiveMaskedInput(108, masked)).toMatchObject({ error: { code: 'unauthorized' } })
    expect(server.receiveMaskedInput(101, masked)).toMatchObject({ ok: true })
    expect(server.receiveMaskedInput(101, masked)).toMatchObject({ error: { code: 'duplicate-update' } })
  })

  it('the masked inputs it receives are not the inputs (masks are on)', async () => {
    const { server, clients, keys } = start(64)
    for (const [id, k] of keys) must(server.receiveAdvertiseKeys(id, k))
    for (const [id, request] of must(server.closeAdvertising())) {
      must(server.receiveShareKeys(id, must(await clients.get(id)!.shareKeys(request))))
    }
    const requests = must(server.closeSharing())
    const masked = must(clients.get(101)!.maskQuantizedInput(requests.get(101), new Uint32Array(64)))
    expect(masked.masked.filter((w) => w === 0).length).toBeLessThan(3) // zeros in, ~uniform words out
  })

  it('unmasking: only the shares asked for; a wrong share ends the round with the reason, not a wrong sum', async () => {
    const { server, clients, unmaskRequests } = await toUnmasking()
    const first = must(clients.get(101)!.unmask(unmaskRequests.get(101)))
    const stray = { ...first, maskKeyShares: [{ owner: 108, share: first.selfMaskSeedShares[0]!.share }] }
    expect(server.receiveUnmaskResponse(101, stray)).toMatchObject({ error: { message: /not asked for/ } })
    // 101 sends a corrupted share of every survivor's self-mask seed; it is the first share the server uses.
    const corrupted = first.selfMaskSeedShares.map(({ owner, share }) => {
      const bad = Uint8Array.from(share)
      bad[0] = bad[0]! ^ 1
      return { owner, share: bad }
    })
    must(server.receiveUnmaskResponse(101, { ...first, selfMaskSeedShares: corrupted }))
    for (const [id, request] of unmaskRequests) {
      if (id !== 101) must(server.receiveUnmaskResponse(id, must(clients.get(id)!.unmask(request))))
    }
    const outcome = await server.finish()
    expect(outcome).toMatchObject({
      ok: false,
      error: { phase: 'unmasking', reason: /self-mask seed does not match its commitment/ },
    })
  })

  it('refuses parameters it cannot run, naming each problem', () => {
    const params = plan(6, 4, { neighbours: 5 })
    const result = SecAggServer.create({
      ...params,
      neighbours: 3,
      threshold: 1,
      bits: 40,
      graphSeed: new Uint8Array(3),
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.message).toMatch(/threshold t must be an integer from 3/)
    expect(result.error.message).toMatch(/quantization bits/)
    expect(result.error.message).toMatch(/graph seed must be 32 bytes/)
  })
})
