import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../client/headless/headless-client'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { uploadBound } from '../../coordinator/socket/frame-cap'
import { generateKeyPair } from '../../shared/chain/keys'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { encodeFloat32 } from '../../shared/codec'
import type { RoundStartMessage } from '../../shared/protocol'
import type { Result } from '../../shared/result'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { pendingCopyPurchase } from '../helpers/pending-purchase'
import { provenHello } from '../helpers/proven-join'
import { HandshakeRefused, RawSocketIo } from '../helpers/raw-socket-io'
import { waitFor } from '../helpers/wait'

let coordinator: Coordinator
let honest: HeadlessClient

beforeAll(async () => {
  coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    config: { rounds: 3, minClients: 2, localEpochs: 1, roundDeadlineMs: 10_000, quorumFraction: 1 },
    limits: { allowedOrigins: ['https://partner.example'] },
  })
  honest = await startHeadlessClient(coordinator.url, { backend: 'cpu' })
})

afterAll(async () => {
  honest.close()
  await coordinator.close()
})

describe('admission: origins', () => {
  it('a page of a foreign origin is refused at the handshake; same origin, listed origins and non-browsers connect', async () => {
    // engine.io answers a refused WebSocket upgrade with 400, a refused polling handshake with 403 and the reason.
    await expect(
      RawSocketIo.connect(coordinator.url, { origin: 'https://evil.example' }),
    ).rejects.toBeInstanceOf(HandshakeRefused)
    await expect(RawSocketIo.connect(coordinator.url, { origin: 'null' })).rejects.toBeInstanceOf(
      HandshakeRefused,
    )
    const polling = await fetch(`${coordinator.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(polling.status).toBe(403)
    expect(await polling.text()).toMatch(/origin https:\/\/evil.example is not allowed to connect/)
    expect(coordinator.refusals.get('origin')).toBe(3)
    for (const origin of [`http://localhost:${coordinator.port}`, 'https://partner.example', undefined]) {
      const peer = await RawSocketIo.connect(coordinator.url, origin ? { origin } : {})
      expect(await peer.ask('client:tasks')).toMatchObject({ ok: true })
      peer.close()
    }
  })
})

describe('admission: host names (DNS rebinding)', () => {
  it('a page or a handshake naming another host, though it reached this machine, is refused', async () => {
    const { request } = await import('node:http')
    const get = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ port: coordinator.port, host: '127.0.0.1', path, headers: { host } }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
    expect(await get('/api/tasks', `evil.example:${coordinator.port}`)).toBe(421)
    expect(await get('/socket.io/?EIO=4&transport=polling', `evil.example:${coordinator.port}`)).toBe(403)
    expect(await get('/api/tasks', `localhost:${coordinator.port}`)).toBe(200)
    expect(await get('/api/tasks', `127.0.0.1:${coordinator.port}`)).toBe(200)
    expect(coordinator.refusals.get('host')).toBe(2)
  })
})

describe('frames: capped at the largest legal part of the tasks served', () => {
  it('every connection may send 1 MiB (JSON, one ciphertext), not a flat 19 MB; larger parts are legal per task', () => {
    expect(coordinator.frameCap).toBe(coordinator.limits.textFrameBytes)
    const frames = { encryption: true, textFrameBytes: 1024 * 1024, copyBytes: 2 * 1024 * 1024 }
    // A logistic task on 8 features admits private predictions: their Galois keys (3 rotation steps) may come.
    expect(uploadBound('inference', diabetesDemoTask('logistic', 3), frames)).toEqual({
      ok: true,
      value: 3 * 1_900_000,
    })
    expect(uploadBound('inference', diabetesDemoTask('mlp', 3), frames)).toMatchObject({ ok: false })
    const update = uploadBound('update', diabetesDemoTask('mlp', 3), frames)
    expect(update.ok && update.value).toBeLessThan(70 * 1024)
  })

  it('a WebSocket frame over the cap closes that connection only, and is counted', async () => {
    const peer = await RawSocketIo.connect(coordinator.url)
    const bystander = await RawSocketIo.connect(coordinator.url)
    peer.emitBinary('client:update', { delta: { _placeholder: true, num: 0 } }, [
      new Uint8Array(coordinator.frameCap + 1),
    ])
    await peer.closed
    await waitFor(() => coordinator.refusals.get('frame-too-large') === 1, 'the refusal counted', 5000)
    expect(await bystander.ask('client:tasks')).toMatchObject({ ok: true })
    bystander.close()
  })

  it('a polling body over the cap gets HTTP 413', async () => {
    const base = `${coordinator.url}/socket.io/?EIO=4&transport=polling`
    const sid = (JSON.parse((await (await fetch(base)).text()).slice(1)) as { sid: string }).sid
    const response = await fetch(`${base}&sid=${sid}`, {
      method: 'POST',
      body: `42["client:tasks","${'x'.repeat(coordinator.frameCap)}"]`,
      headers: { 'content-type': 'text/plain' },
    })
    expect(response.status).toBe(413)
  })
})

describe('updates: the base version must be the round model', () => {
  it('an update trained from another model is refused with the reason; the right one is accepted', async () => {
    const keys = generateKeyPair()
    const socket: Socket = io(coordinator.url, { forceNew: true, transports: ['websocket'] })
    const send = (event: string, payload: unknown): Promise<Result<unknown>> =>
      socket.timeout(10_000).emitWithAck(event, payload)
    const starts: RoundStartMessage[] = []
    socket.on('round:start', (m: RoundStartMessage) => starts.push(m))
    expect(await send('client:hello', await provenHello(send, keys, 'demo-diabetes'))).toMatchObject({
      ok: true,
    })
    expect(await send('client:ready', { trainExamples: 50, testExamples: 10 })).toMatchObject({ ok: true })
    await waitFor(() => coordinator.federation.state.clients.size === 2, 'both clients joined')
    await waitFor(
      () => [...coordinator.federation.state.clients.values()].every((c) => c.ready),
      'both clients ready',
    )
    coordinator.federation.control('start')
    await waitFor(() => starts.length === 1, 'round 1 to reach the raw peer')
    const round = starts[0]!
    const delta = encodeFloat32(new Float32Array(coordinator.federation.parameters))
    const update = (baseVersion: string) => ({
      round: round.round,
      baseVersion,
      examples: 50,
      delta,
      metrics: { loss: 0.6, accuracy: 0.6 },
      signature: signUpdate(keys, 'demo-diabetes', round.round, updateHash(new Uint8Array(delta))),
    })
    const stale = await send('client:update', update('r7-0123456789abcdef'))
    expect(stale).toMatchObject({ ok: false, error: { code: 'stale-round' } })
    expect(!stale.ok && stale.error.message).toMatch(/baseVersion r7-0123456789abcdef is not round 1's model/)
    expect(await send('client:update', update(round.model.version))).toMatchObject({ ok: true })
    await waitFor(() => coordinator.federation.state.completedRounds === 1, 'round 1 to complete', 60_000)
    socket.disconnect()
  })
})

describe('uploads over the base frame cap need a slot', () => {
  it('room is granted only for a legal upload, and a large frame without it closes the connection', async () => {
    const demo = diabetesDemoTask('mlp', 5)
    // About 300k parameters: a 1.2 MB delta, over the 1 MiB base cap.
    const big = {
      ...demo,
      id: 'big',
      name: 'Big',
      model: { ...demo.model, hidden: [512, 512] } as typeof demo.model,
    }
    expect(coordinator.tasks.add(big).ok).toBe(true)
    const peer = await RawSocketIo.connect(coordinator.url)
    const ask = (payload: unknown) => peer.ask('client:upload', payload)
    const deltaBytes = coordinator.tasks.get('big')!.federation.parameters * 4
    expect(deltaBytes).toBeGreaterThan(coordinator.frameCap)
    expect(await ask({ kind: 'update', taskId: 'big', bytes: deltaBytes })).toMatchObject({
      ok: false,
      error: { code: 'not-joined' },
    })
    expect(await ask({ kind: 'inference', taskId: 'big', bytes: 10 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
    expect(await ask({ kind: 'copy', bytes: 64 * 1024 * 1024 })).toMatchObject({
      ok: false,
      error: { code: 'too-large' },
    })
    expect(await ask({ kind: 'update', taskId: 'nope', bytes: 1 })).toMatchObject({
      ok: false,
      error: { code: 'unknown-task' },
    })
    // Joined but with no update outstanding: no slot for it.
    const send = (event: string, payload: unknown) => peer.ask(event, payload) as Promise<Result<unknown>>
    expect(await send('client:hello', await provenHello(send, generateKeyPair(), 'big'))).toMatchObject({
      ok: true,
    })
    expect(await ask({ kind: 'update', taskId: 'big', bytes: deltaBytes })).toMatchObject({
      ok: false,
      error: { code: 'not-selected' },
    })
    // A sealed copy of 1.5 MB: room only for a purchase awaiting it; then its frame goes through (the delivery
    // itself is refused: the transaction is empty).
    const copy = new Uint8Array(1.5 * 1024 * 1024)
    expect(await ask({ kind: 'copy', bytes: copy.byteLength })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
    const { purchaseId } = pendingCopyPurchase(coordinator.chain)
    expect(await ask({ kind: 'copy', purchaseId, bytes: copy.byteLength })).toMatchObject({ ok: true })
    peer.emitBinary('market:deliver', { tx: {}, sealed: { _placeholder: true, num: 0 } }, [copy], 99)
    await waitFor(
      () => peer.received.some((f) => typeof f === 'string' && f.startsWith('4399')),
      'the refusal',
    )
    expect(peer.open).toBe(true)
    // The grant ended with that event: the same frame again closes the connection.
    peer.emitBinary('market:deliver', { tx: {}, sealed: { _placeholder: true, num: 0 } }, [copy])
    await peer.closed
  })
})
