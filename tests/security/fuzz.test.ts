import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../client/headless/headless-client'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { seededRandom } from '../../shared/random'
import { RawSocketIo } from '../helpers/raw-socket-io'
import { waitFor } from '../helpers/wait'
import { CLIENT_EVENTS, DASHBOARD_EVENTS, fuzzFrame } from './support/fuzz-frames'

/** Packets the fuzzer sends in all (the issue asks for at least 10,000). */
const PACKETS = 12_000
const CONNECTIONS = 6

let coordinator: Coordinator
let honest: HeadlessClient[] = []

beforeAll(async () => {
  coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    config: { rounds: 4, minClients: 2, localEpochs: 1, roundDeadlineMs: 8000, quorumFraction: 0.5 },
    // The fuzzer's packets must reach the handlers, not stop at the rate limit.
    limits: {
      eventsPerSecond: 1_000_000,
      abuseThreshold: 1_000_000,
      connectionsPerAddress: 1_000,
      handshakesPerAddressPerMinute: 1_000_000,
    },
  })
  honest = [
    await startHeadlessClient(coordinator.url, { backend: 'cpu' }),
    await startHeadlessClient(coordinator.url, { backend: 'cpu' }),
  ]
  await waitFor(
    () => [...coordinator.federation.state.clients.values()].filter((c) => c.ready).length === 2,
    'two honest clients ready',
  )
})

afterAll(async () => {
  for (const client of honest) client.close()
  await coordinator.close()
})

describe('fuzzing the socket edge with raw frames', () => {
  it(`survives ${PACKETS} random and malformed packets while honest clients finish their rounds`, async () => {
    coordinator.federation.control('start')
    const random = seededRandom(20261203)
    let sent = 0
    let breaking = 0
    const worker = async (index: number): Promise<void> => {
      const namespace = index % 3 === 2 ? '/dashboard' : '/'
      const events = namespace === '/' ? CLIENT_EVENTS : DASHBOARD_EVENTS
      let peer = await RawSocketIo.connect(coordinator.url, { namespace })
      while (sent < PACKETS) {
        const frame = fuzzFrame(random, events, namespace)
        const bytes = frame.kind === 'text' ? frame.text : frame.bytes
        sent++
        if (frame.breaks) {
          // Not a socket.io packet: the coordinator closes that connection, so it gets one of its own.
          breaking++
          const victim = await RawSocketIo.connect(coordinator.url, { namespace })
          victim.sendFrame(bytes)
          await Promise.race([victim.closed, new Promise((resolve) => setTimeout(resolve, 50))])
          victim.close()
          continue
        }
        if (!peer.open) peer = await RawSocketIo.connect(coordinator.url, { namespace })
        peer.sendFrame(bytes)
        if (frame.kind === 'text' && frame.text.startsWith('451-'))
          peer.sendFrame(crypto.getRandomValues(new Uint8Array(Math.floor(random() * 2048))))
        // Let the coordinator read what was sent (and the honest clients train) every few packets.
        if (sent % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
      }
      peer.close()
    }
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => worker(i)))
    expect(sent).toBeGreaterThanOrEqual(PACKETS)

    // The coordinator is up, still answers a well-behaved peer, and the honest clients finish every round.
    const probe = await RawSocketIo.connect(coordinator.url)
    expect(await probe.ask('client:tasks')).toMatchObject({ ok: true })
    probe.close()
    await waitFor(() => coordinator.federation.state.completedRounds === 4, 'four honest rounds', 120_000)
    expect(coordinator.federation.history.at(-1)!.participants).toBeGreaterThanOrEqual(1)
    const refused = coordinator.refusals.snapshot()
    // Nearly every packet was read and refused (a few well-formed ones are answered: a challenge, a search).
    expect(coordinator.refusals.total).toBeGreaterThan(PACKETS * 0.8)
    expect(refused['bad-payload'] ?? 0).toBeGreaterThan(1000)
    expect(refused['unknown-event'] ?? 0).toBeGreaterThan(100)
    expect(refused['bad-event-name'] ?? 0).toBeGreaterThan(100)
    console.log(
      `fuzz: ${sent} packets (${breaking} of them not socket.io packets, each on a connection of its own); refusals ${JSON.stringify(refused)}`,
    )
  })
})

describe('the packets that stopped the coordinator before', () => {
  it('an event with no name and an event named by a number, over HTTP long-polling, are refused and counted', async () => {
    const base = `${coordinator.url}/socket.io/?EIO=4&transport=polling`
    const handshake = await (await fetch(base)).text()
    const sid = (JSON.parse(handshake.slice(1)) as { sid: string }).sid
    const post = (body: string) =>
      fetch(`${base}&sid=${sid}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
    expect((await post('40')).status).toBe(200)
    await fetch(`${base}&sid=${sid}`) // the namespace's connect reply
    const before = coordinator.refusals.get('bad-event-name')
    expect((await post('42')).status).toBe(200)
    expect((await post('42[1,{}]')).status).toBe(200)
    await waitFor(
      () => coordinator.refusals.get('bad-event-name') === before + 2,
      'both refusals counted',
      5000,
    )
    const tasks = await fetch(`${coordinator.url}/api/tasks`)
    expect(tasks.status).toBe(200)
  })
})
