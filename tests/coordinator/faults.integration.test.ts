import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../client/headless/headless-client'
import type { Coordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { encodeFloat32, firstNonFinite } from '../../shared/codec'
import type { HelloReply, RoundStartMessage } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'
import type { Result } from '../../shared/result'
import { startTestCoordinator } from '../helpers/coordinator'
import { provenHello } from '../helpers/proven-join'
import { waitFor } from '../helpers/wait'

/** A hand-driven peer that can send anything, as a broken or hostile client would. */
function rawPeer(url: string): {
  socket: Socket
  send: (event: string, payload: unknown) => Promise<Result<unknown>>
} {
  const socket = io(url, { forceNew: true, transports: ['websocket'] })
  return { socket, send: (event, payload) => socket.timeout(10_000).emitWithAck(event, payload) }
}

const code = (r: Result<unknown>): string => (r.ok ? 'ok' : r.error.code)
/** Small, so the transport's cap (twice this model size plus overhead) is quick to exceed. */
const MAX_PARAMETERS = 10_000

let coordinator: Coordinator
let headless: HeadlessClient[] = []
let sloth: ReturnType<typeof rawPeer>
let mallory: ReturnType<typeof rawPeer>
const malloryKeys = generateKeyPair()
const starts: RoundStartMessage[] = []

beforeAll(async () => {
  coordinator = await startTestCoordinator({
    random: seededRandom(9),
    maxParameters: MAX_PARAMETERS,
    config: { rounds: 2, minClients: 4, localEpochs: 1, roundDeadlineMs: 4000, quorumFraction: 0.5 },
  })
  headless = [
    await startHeadlessClient(coordinator.url, { backend: 'cpu' }),
    await startHeadlessClient(coordinator.url, { backend: 'cpu' }),
  ]
  mallory = rawPeer(coordinator.url)
  sloth = rawPeer(coordinator.url)
  mallory.socket.on('round:start', (m: RoundStartMessage) => starts.push(m))
})

afterAll(async () => {
  for (const client of headless) client.close()
  mallory.socket.disconnect()
  sloth.socket.disconnect()
  await coordinator.close()
})

describe('faults over real sockets', () => {
  it('refuses bad joins with the reason, in the ack', async () => {
    expect(code(await mallory.send('client:update', { round: 1 }))).toBe('not-joined')
    const wrongProtocol = await mallory.send('client:hello', {
      protocol: 99,
      backend: 'x',
      taskId: 'demo-diabetes',
    })
    expect(wrongProtocol).toMatchObject({ ok: false, error: { code: 'bad-payload' } })
    expect(!wrongProtocol.ok && wrongProtocol.error.message).toMatch(/protocol: .*speaks protocol 1/)
    const unknown = await mallory.send('client:hello', await provenHello(mallory.send, malloryKeys, 'nope'))
    expect(unknown).toMatchObject({
      ok: false,
      error: { code: 'unknown-task', message: 'no task "nope" here; tasks: demo-diabetes' },
    })
    for (const [peer, keys] of [
      [mallory, malloryKeys],
      [sloth, generateKeyPair()],
    ] as const) {
      const join = await provenHello(peer.send, keys, 'demo-diabetes')
      const hello = (await peer.send('client:hello', join)) as Result<HelloReply>
      expect(hello.ok).toBe(true)
      expect(code(await peer.send('client:hello', join))).toBe('invalid-state')
      expect(code(await peer.send('client:ready', { trainExamples: -5, testExamples: 0 }))).toBe(
        'bad-payload',
      )
      expect(code(await peer.send('client:ready', { trainExamples: 100, testExamples: 10 }))).toBe('ok')
    }
  })

  it('rejects malformed, wrong-shape, non-finite and stale updates; a broken signed update drops its sender and is recorded; the round goes on', async () => {
    await waitFor(
      () => [...coordinator.federation.state.clients.values()].filter((c) => c.ready).length === 4,
      '4 ready',
    )
    coordinator.federation.control('start')
    await waitFor(() => starts.length === 1, 'round 1 to reach the raw peer')
    const round = starts[0]!
    const n = coordinator.federation.parameters
    const update = (delta: unknown, extra: { round?: number; examples?: number } = {}) => {
      const bytes = delta instanceof ArrayBuffer ? new Uint8Array(delta) : new Uint8Array()
      const signed = extra.round ?? round.round
      return {
        round: round.round,
        baseVersion: round.model.version,
        examples: 50,
        delta,
        metrics: { loss: 0.6, accuracy: 0.6 },
        signature: signUpdate(malloryKeys, 'demo-diabetes', signed, updateHash(bytes)),
        ...extra,
      }
    }
    const zeros = encodeFloat32(new Float32Array(n))
    // An update signed by another key is refused.
    const forged = {
      ...update(zeros),
      signature: signUpdate(
        generateKeyPair(),
        'demo-diabetes',
        round.round,
        updateHash(new Uint8Array(zeros)),
      ),
    }
    expect(await mallory.send('client:update', forged)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    })
    const nan = new Float32Array(n)
    nan[3] = Number.NaN
    expect(code(await mallory.send('client:update', update(Array.from(new Float32Array(n)))))).toBe(
      'bad-payload',
    )
    expect(code(await mallory.send('client:update', update(zeros, { round: round.round + 1 })))).toBe(
      'stale-round',
    )
    expect(code(await mallory.send('client:update', update(zeros, { examples: 1_000_000 })))).toBe(
      'bad-payload',
    )
    // A signed update of the wrong length is the sender's fault: refused, it drops the sender from the round.
    const shape = await mallory.send('client:update', update(encodeFloat32(new Float32Array(n + 1))))
    expect(shape).toMatchObject({
      ok: false,
      error: { code: 'wrong-shape', message: `weights have ${n + 1} values, the model has ${n}` },
    })
    // After that, a broken update is still refused for what is wrong with it, and a good one comes too late.
    expect(await mallory.send('client:update', update(encodeFloat32(nan)))).toMatchObject({
      ok: false,
      error: { code: 'non-finite', message: 'delta value 3 is NaN; updates must be finite' },
    })
    expect(await mallory.send('client:update', update(zeros))).toMatchObject({
      ok: false,
      error: {
        code: 'stale-round',
        message: expect.stringMatching(/was dropped from round 1: update refused \(wrong-length\)/),
      },
    })
    expect(
      code(
        await mallory.send('client:evaluation', {
          version: 'r9-nothing',
          examples: 0,
          lossSum: 0,
          confusion: [
            [0, 0],
            [0, 0],
          ],
        }),
      ),
    ).toBe('stale-round')
    // The sloth never answers: the deadline drops it, and the round completes with the 2 honest tabs.
    await waitFor(() => coordinator.federation.state.completedRounds === 1, 'round 1 to complete', 20_000)
    expect(coordinator.federation.state.outcomes[0]).toMatchObject({ status: 'completed', selected: 4 })
    expect(coordinator.federation.state.outcomes[0]!.participants).toHaveLength(2)
    // The round's record on the chain rejects the broken update, unpaid, with its reason.
    const record = coordinator.chain.state.rounds.at(-1)!
    expect(record.participants.find((p) => p.address === malloryKeys.address)).toMatchObject({
      verdict: 'rejected',
      reason: 'wrong-length',
      weight: 0,
    })
  })

  it('cuts off a message far over the size limit, logs why, and keeps training', async () => {
    await waitFor(() => starts.length === 2, 'round 2 to reach the raw peer')
    // Far over both caps: plain updates and encrypted ones (2 BFV ciphertexts of at most 524 kB here).
    const huge = new Float32Array(MAX_PARAMETERS * 100)
    mallory.socket.emit('client:update', { round: starts[1]!.round, delta: encodeFloat32(huge) })
    await waitFor(
      () => !mallory.socket.connected || mallory.socket.disconnected,
      'the oversized sender to be cut off',
      10_000,
    )
    await waitFor(() => coordinator.federation.state.completedRounds === 2, 'round 2 to complete', 20_000)
    const texts = coordinator.federation.log.entries.map((e) => e.text)
    expect(texts.some((t) => /closed by a transport error.*limited to \d+ bytes/.test(t))).toBe(true)
    expect(texts.some((t) => /update from tab-3 rejected \(non-finite\)/.test(t))).toBe(true)
    expect(texts.some((t) => /update from tab-3 rejected \(wrong-shape\)/.test(t))).toBe(true)
    expect(texts.some((t) => /tab-4 dropped from round 1: missed the deadline/.test(t))).toBe(true)
    expect(firstNonFinite(coordinator.federation.global.weights)).toBe(-1)
    expect(coordinator.federation.global.round).toBe(2)
    // The live page with the control token sees the same log; without it, none of these lines (they name tabs).
    const seenByAnyone = coordinator.federation.snapshot(false).events
    expect(seenByAnyone.some((e) => /tab-\d|rejected/.test(e.text))).toBe(false)
    const snapshot = coordinator.federation.snapshot(true)
    expect(
      snapshot.events.some((e) => e.level === 'warning' && /rejected \(stale-round\)/.test(e.text)),
    ).toBe(true)
  })
})
