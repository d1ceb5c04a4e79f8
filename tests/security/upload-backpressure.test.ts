import { io, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { memoryPrivacyStore } from '../../client/session/cumulative-privacy'
import { EncryptedModel } from '../../client/session/encrypted-model'
import { SessionLink } from '../../client/session/session-link'
import { SessionState } from '../../client/session/session-state'
import { UpdateSender } from '../../client/session/update-sender'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import type { NetworkLimits } from '../../coordinator/socket/limits'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { encodeFloat32 } from '../../shared/codec'
import type { HelloReply, RoundStartMessage } from '../../shared/protocol'
import type { Result } from '../../shared/result'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { provenHello } from '../helpers/proven-join'

/**
 * Issue 17, bounded memory: updates over the base frame cap wait for one of the task's upload slots. A request
 * that finds every slot taken waits in a bounded queue (backpressure, not refusal) and is granted as soon as a slot
 * comes free; only a request past the queue's bound is refused, as `rate-limited`, and the tab's sender then asks
 * again while the round lasts.
 */
let coordinator: Coordinator | null = null
const sockets: Socket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect()
  await coordinator?.close()
  coordinator = null
})

const demo = diabetesDemoTask('mlp', 5)
/** About 300k parameters: a 1.2 MB delta, over the 1 MiB base frame cap. */
const big = {
  ...demo,
  id: 'big',
  name: 'Big',
  model: { ...demo.model, hidden: [512, 512] } as typeof demo.model,
}

async function startWith(clients: number, limits: Partial<NetworkLimits>) {
  coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    encryption: false,
    tasks: [big],
    config: {
      rounds: 1,
      minClients: clients,
      clientsPerRound: 0,
      roundDeadlineMs: 20_000,
      quorumFraction: 1,
    },
    limits,
  })
  const started = Array.from({ length: clients }, () => join(coordinator!))
  const joined = await Promise.all(started)
  expect(coordinator.federation.control('start').ok).toBe(true)
  const rounds = await Promise.all(joined.map((c) => c.round))
  return joined.map((c, i) => ({ ...c, round: rounds[i]! }))
}

async function join(coordinator: Coordinator) {
  const keys = generateKeyPair()
  const socket = io(coordinator.url, { forceNew: true, transports: ['websocket'] })
  sockets.push(socket)
  const round = new Promise<RoundStartMessage>((resolve) => socket.once('round:start', resolve))
  const send = (event: string, payload: unknown) =>
    socket.timeout(30_000).emitWithAck(event, payload) as Promise<Result<unknown>>
  const hello = (await send('client:hello', await provenHello(send, keys, 'big'))) as Result<HelloReply>
  if (!hello.ok) throw new Error(`hello: ${hello.error.message}`)
  expect((await send('client:ready', { trainExamples: 100, testExamples: 10 })).ok).toBe(true)
  return { keys, socket, send, hello: hello.value, round }
}

/** A signed update of `round` from `keys`, as a tab sends it. */
function updateOf(keys: KeyPair, round: RoundStartMessage) {
  const delta = encodeFloat32(new Float32Array(round.model.weights.byteLength / 4).fill(1e-3))
  return {
    round: round.round,
    baseVersion: round.model.version,
    examples: 100,
    delta,
    signature: signUpdate(keys, 'big', round.round, updateHash(new Uint8Array(delta))),
  }
}

describe('upload slots: backpressure, not refusal', () => {
  it('a request that finds every slot taken waits and is granted when one frees; past the queue bound it is refused', async () => {
    const [a, b, c] = await startWith(3, { uploadsInFlight: 1, uploadQueue: 1 })
    const bytes = a!.round.model.weights.byteLength
    expect(bytes).toBeGreaterThan(coordinator!.frameCap)
    const room = { kind: 'update', taskId: 'big', bytes }
    expect(await a!.send('client:upload', room)).toMatchObject({ ok: true })
    // b queues: no answer while a holds the only slot.
    let bAnswer: Result<unknown> | null = null
    const bFirst = b!.send('client:upload', room).then((r) => {
      bAnswer = r
      return r
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(bAnswer).toBeNull()
    // One wait per connection: b asking again takes its first request's place in the queue (its round may have moved
    // on), and the first is answered at once. The queue holds one, so c is told to come back, with the bound named.
    const bWaits = b!.send('client:upload', room)
    expect(await bFirst).toMatchObject({
      ok: false,
      error: {
        code: 'stale-round',
        message: expect.stringMatching(/newer upload request .* took the place/),
      },
    })
    expect(await c!.send('client:upload', room)).toMatchObject({
      ok: false,
      error: {
        code: 'rate-limited',
        message: expect.stringMatching(/1 uploads already wait .*at most 1 may wait/),
      },
    })
    // a's update is accepted and frees the slot: b is granted, sends, and is accepted too.
    expect(await a!.send('client:update', updateOf(a!.keys, a!.round))).toEqual({ ok: true, value: null })
    expect(await bWaits).toMatchObject({ ok: true })
    expect(await b!.send('client:update', updateOf(b!.keys, b!.round))).toEqual({ ok: true, value: null })
    expect(await c!.send('client:upload', room)).toMatchObject({ ok: true })
  })

  it("the tab's sender asks again after a full queue and its update is accepted once a slot frees", async () => {
    const [holder, tab] = await startWith(2, { uploadsInFlight: 1, uploadQueue: 0 })
    const bytes = holder!.round.model.weights.byteLength
    expect(await holder!.send('client:upload', { kind: 'update', taskId: 'big', bytes })).toMatchObject({
      ok: true,
    })
    const state = new SessionState('test')
    const link = new SessionLink(tab!.socket, state)
    const sender = new UpdateSender({
      link,
      state,
      keys: tab!.keys,
      taskId: 'big',
      encryption: null,
      model: new EncryptedModel(link, state, null, async () => {}),
      privacyStore: memoryPrivacyStore(),
    })
    sender.setLimits(tab!.hello)
    const delta = new Float32Array(bytes / 4).fill(2e-3)
    const sent = sender.send(
      tab!.round,
      { delta, examples: 100, metrics: { loss: 0.5, accuracy: 0.5 }, durationMs: 1 },
      new AbortController().signal,
    )
    // The holder keeps the only slot for 3.5 s, longer than a request's own three rate-limit retries (3 s in all):
    // the tab's asks are refused (nothing may queue) and it keeps asking while the round lasts.
    await new Promise((resolve) => setTimeout(resolve, 3500))
    expect(state.snapshot.roundsTrained).toBe(0)
    expect(await holder!.send('client:update', updateOf(holder!.keys, holder!.round))).toEqual({
      ok: true,
      value: null,
    })
    await sent
    expect(state.snapshot.roundsTrained).toBe(1)
    expect(state.snapshot.notices.filter((n) => n.level === 'error')).toEqual([])
  })
})
