import { describe, expect, it } from 'vitest'
import { SecAggClient } from '../../../shared/secagg/client'
import type { ShareKeysRequest } from '../../../shared/secagg/messages'
import { plan, simulateRound } from './simulate'

const must = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.value
}

describe('a client never reveals both shares of one peer (Bonawitz et al. 2017, figure 4, round 4)', () => {
  // Full graph of 6, t = 4; client 122 drops after sharing keys, so every survivor revealed its s^SK share.
  const ready = (async () => {
    const params = plan(6, 4, { neighbours: 5 })
    const round = await simulateRound(params, () => new Float32Array(4), { afterSharing: [122] })
    if (!round.outcome.ok) throw new Error(round.outcome.error.reason)
    return round
  })()
  const unmask = async (request: unknown) => (await ready).clients.get(101)!.unmask(request)

  it('answered the round: b shares for survivors, the s^SK share for the dropped one', async () => {
    const answer = must(
      await unmask({ type: 'unmask-request', survivors: [101, 108, 115, 129, 136], dropped: [122] }),
    )
    expect(answer.selfMaskSeedShares.map((s) => s.owner)).toEqual([101, 108, 115, 129, 136])
    expect(answer.maskKeyShares.map((s) => s.owner)).toEqual([122])
  })

  it('refuses a request naming one peer as both survivor and dropped', async () => {
    const refused = await unmask({ type: 'unmask-request', survivors: [101, 108, 115, 129], dropped: [129] })
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: /both shares of client 129/ },
    })
  })

  it('refuses, later, the other share of a peer it already answered for (either way round)', async () => {
    const survivorNowDropped = await unmask({
      type: 'unmask-request',
      survivors: [101, 108, 115, 129],
      dropped: [136],
    })
    expect(survivorNowDropped).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: /self-mask seed share of client 136 was revealed before/ },
    })
    const droppedNowSurvivor = await unmask({
      type: 'unmask-request',
      survivors: [101, 108, 115, 122],
      dropped: [],
    })
    expect(droppedNowSurvivor).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: /mask key share of client 122 was revealed before/ },
    })
  })

  it('never reveals its own mask key, having sent its masked input', async () => {
    const refused = await unmask({ type: 'unmask-request', survivors: [108, 115, 129, 136], dropped: [101] })
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: /never reveals its own mask key/ },
    })
  })

  it('refuses to unmask when fewer than t survivors are named (the sum would cover too few inputs)', async () => {
    const refused = await unmask({ type: 'unmask-request', survivors: [101, 108], dropped: [] })
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: /only 2 survivors.*t = 4/ },
    })
  })

  it('refuses strangers and malformed requests', async () => {
    expect(await unmask({ type: 'unmask-request', survivors: [101, 999], dropped: [] })).toMatchObject({
      ok: false,
      error: { code: 'bad-payload', message: /client 999 is not a peer/ },
    })
    expect(await unmask({ type: 'unmask-request', survivors: [101, 101], dropped: [] })).toMatchObject({
      ok: false,
      error: { message: /names client 101 twice/ },
    })
    expect(await unmask({ type: 'unmask-request', survivors: 'all' })).toMatchObject({ ok: false })
    expect(await unmask(null)).toMatchObject({ ok: false, error: { code: 'bad-payload' } })
  })

  it('answers a consistent repeat (a resent request) the same way', async () => {
    const again = must(
      await unmask({ type: 'unmask-request', survivors: [101, 108, 115, 129, 136], dropped: [122] }),
    )
    expect(again.maskKeyShares.map((s) => s.owner)).toEqual([122])
  })
})

describe('a client checks what the server hands it before sharing its secrets', () => {
  async function advertised(neighbours = 5) {
    const params = plan(6, 4, { neighbours })
    const clients = params.clientIds.map((id) => must(SecAggClient.create(params, id)))
    const keys = clients.map((c) => must(c.advertiseKeys()))
    const peers = keys.map((k) => ({
      id: k.from,
      encryptionPublicKey: k.encryptionPublicKey,
      maskPublicKey: k.maskPublicKey,
    }))
    return { params, client: clients[0]!, peers }
  }
  const request = (peers: ShareKeysRequest['peers']): ShareKeysRequest => ({
    type: 'share-keys-request',
    peers,
  })

  it('refuses parameters with a minority threshold, and ids outside the round', () => {
    const params = plan(6, 4, { neighbours: 5 })
    expect(SecAggClient.create({ ...params, threshold: 3 }, 101)).toMatchObject({
      ok: false,
      error: { code: 'invalid-config', message: /threshold t must be an integer from 4/ },
    })
    expect(SecAggClient.create(params, 7)).toMatchObject({ ok: false, error: { code: 'not-selected' } })
  })

  it('refuses a key list without its own keys, with repeated keys, with strangers, or below t', async () => {
    const { client, peers } = await advertised()
    const others = peers.slice(1)
    expect(await client.shareKeys(request(others))).toMatchObject({
      ok: false,
      error: { message: /own keys/ },
    })
    const copied = [peers[0]!, { ...peers[1]!, maskPublicKey: peers[2]!.maskPublicKey }, ...peers.slice(2)]
    expect(await client.shareKeys(request(copied))).toMatchObject({
      ok: false,
      error: { message: /keys in the list are equal/ },
    })
    const stranger = [...peers.slice(0, 5), { ...peers[5]!, id: 4242 }]
    expect(await client.shareKeys(request(stranger))).toMatchObject({
      ok: false,
      error: { message: /4242 is not a neighbour/ },
    })
    expect(await client.shareKeys(request(peers.slice(0, 3)))).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: /only 3 live holders.*t = 4/ },
    })
    // Nothing was shared by the refusals: the proper list still works, once.
    expect((await client.shareKeys(request(peers))).ok).toBe(true)
    expect(await client.shareKeys(request(peers))).toMatchObject({
      ok: false,
      error: { code: 'invalid-state' },
    })
  })

  it('in SecAgg+, accepts only its graph neighbours', async () => {
    const { params, client, peers } = await advertised(2)
    const { buildGraph } = await import('../../../shared/secagg/graph')
    const mine = buildGraph(params.clientIds, 2, params.graphSeed).get(client.id)!
    const outsider = peers.find((p) => p.id !== client.id && !mine.has(p.id))!
    const list = peers.filter((p) => p.id === client.id || mine.has(p.id) || p.id === outsider.id)
    expect(await client.shareKeys(request(list))).toMatchObject({
      ok: false,
      error: { message: new RegExp(`${outsider.id} is not a neighbour`) },
    })
  })

  it('keeps its steps in order', async () => {
    const { client } = await advertised()
    expect(client.advertiseKeys()).toMatchObject({ ok: false, error: { code: 'invalid-state' } })
    expect(
      client.maskInput({ type: 'masked-input-request', encryptedShares: [] }, new Float32Array(4)),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid-state' },
    })
    expect(client.unmask({ type: 'unmask-request', survivors: [], dropped: [] })).toMatchObject({ ok: false })
  })
})
