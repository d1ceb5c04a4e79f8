import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { RawSocketIo } from '../helpers/raw-socket-io'
import { waitFor } from '../helpers/wait'

let coordinator: Coordinator

beforeAll(async () => {
  coordinator = await startCoordinator({ port: 0, staticDir: null, encryption: false })
})

afterAll(async () => {
  await coordinator.close()
})

const heapMB = () => process.memoryUsage().heapUsed / 2 ** 20

describe('packets are limited before socket.io decodes them', () => {
  it('one polling body of 300,000 namespace connects closes its connection instead of exhausting the heap', async () => {
    const base = `${coordinator.url}/socket.io/?EIO=4&transport=polling`
    const before = heapMB()
    for (let i = 0; i < 3; i++) {
      const sid = (JSON.parse((await (await fetch(base)).text()).slice(1)) as { sid: string }).sid
      await fetch(`${base}&sid=${sid}`, { method: 'POST', body: Array(300_000).fill('40').join('\x1e') })
    }
    expect(coordinator.refusals.get('namespace-connects')).toBe(3)
    // Each body made at most a handful of sockets, not 300,000 (which took gigabytes before).
    expect(heapMB() - before).toBeLessThan(200)
    const peer = await RawSocketIo.connect(coordinator.url)
    expect(await peer.ask('client:tasks')).toMatchObject({ ok: true })
    peer.close()
  })

  it('a message whose attachments never all arrive cannot make one address hold more than its budget', async () => {
    const frame = new Uint8Array(coordinator.frameCap - 16).fill(7)
    const peers: RawSocketIo[] = []
    // Ten attachments declared, nine sent: socket.io would keep them until the tenth.
    for (let i = 0; i < 8; i++) {
      const peer = await RawSocketIo.connect(coordinator.url)
      peer.sendFrame('4510-["market:search",{"_placeholder":true,"num":0}]')
      for (let k = 0; k < 9; k++) peer.sendFrame(frame)
      peers.push(peer)
    }
    await waitFor(
      () => coordinator.refusals.get('pending-bytes') >= 4,
      'the address budget to cut connections',
      10_000,
    )
    // 8 connections x 9 MiB were attempted; the 32 MiB budget let at most three hold theirs.
    await waitFor(() => peers.filter((p) => p.open).length <= 4, 'the cut connections to close', 10_000)
    for (const p of peers) p.close()
  })

  it('an encrypted update of the largest model encryption allows (many ciphertexts) is read, not cut off', async () => {
    const peer = await RawSocketIo.connect(coordinator.url)
    const ciphertexts = Array.from({ length: 30 }, (_, num) => ({ _placeholder: true, num }))
    const parts = Array.from({ length: 30 }, () => new Uint8Array(1024).fill(3))
    peer.emitBinary('client:encrypted-update', { ciphertexts }, parts, 5)
    // Read and refused as a message (this peer never joined), where the parser's default limit of 10 attachments
    // closed the connection instead.
    await waitFor(
      () => peer.received.some((f) => typeof f === 'string' && f.startsWith('435')),
      'the answer',
      5000,
    )
    expect(peer.received.find((f) => typeof f === 'string' && f.startsWith('435'))).toMatch(/not-joined/)
    expect(peer.open).toBe(true)
    peer.close()
  })

  it('a connection over the packet rate is closed', async () => {
    const base = `${coordinator.url}/socket.io/?EIO=4&transport=polling`
    const sid = (JSON.parse((await (await fetch(base)).text()).slice(1)) as { sid: string }).sid
    await fetch(`${base}&sid=${sid}`, { method: 'POST', body: '40' })
    const burst = Array(1_500).fill('42["market:statistics",{}]').join('\x1e')
    await fetch(`${base}&sid=${sid}`, { method: 'POST', body: burst })
    expect(coordinator.refusals.get('packet-rate')).toBe(1)
    // The session is closed: its polls drain what was queued, then end in engine.io's close packet or no session.
    let closed = false
    for (let i = 0; i < 5 && !closed; i++) {
      const poll = await fetch(`${base}&sid=${sid}`)
      const body = await poll.text()
      closed = poll.status === 400 || body.split('\x1e').includes('1')
    }
    expect(closed).toBe(true)
  })
})
