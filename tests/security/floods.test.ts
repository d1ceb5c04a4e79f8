import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../client/headless/headless-client'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { waitFor } from '../helpers/wait'
import { runFlooder } from './support/run-flooder'

/** How long each flood (and the unflooded window it is compared with) lasts. */
const WINDOW_SECONDS = 6

let coordinator: Coordinator
let honest: HeadlessClient[] = []

/** Rounds the honest clients complete in one window, with `load` running beside them. */
async function roundsDuring<T>(load: Promise<T> | null): Promise<{ rounds: number; load: T | null }> {
  const start = coordinator.federation.state.completedRounds
  const [report] = await Promise.all([
    load,
    new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 1000)),
  ])
  return { rounds: coordinator.federation.state.completedRounds - start, load: report as T | null }
}

beforeAll(async () => {
  coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    // Default limits: the floods meet the coordinator as it ships.
    config: { rounds: 10_000, minClients: 2, localEpochs: 1, roundDeadlineMs: 10_000, quorumFraction: 0.5 },
  })
  // Enough blocks that a full verification per request would be expensive (about 2 s at this height before).
  for (let i = 0; i < 150; i++) coordinator.chain.fundTask(coordinator.federation.task.id, 1)
  honest = [
    await startHeadlessClient(coordinator.url, { backend: 'cpu' }),
    await startHeadlessClient(coordinator.url, { backend: 'cpu' }),
  ]
  await waitFor(
    () => [...coordinator.federation.state.clients.values()].filter((c) => c.ready).length === 2,
    'two honest clients ready',
  )
  coordinator.federation.control('start')
  await waitFor(() => coordinator.federation.state.completedRounds >= 2, 'two warm-up rounds', 60_000)
})

afterAll(async () => {
  for (const client of honest) client.close()
  await coordinator.close()
})

/**
 * Rounds in a window with the flood beside them, against rounds in the window just before without it: the machine
 * is shared, so each flood is compared with its own neighbouring baseline.
 */
async function paceUnder<T>(flood: () => Promise<T>): Promise<{ baseline: number; rounds: number; load: T }> {
  const baseline = (await roundsDuring(null)).rounds
  const { rounds, load } = await roundsDuring(flood())
  return { baseline, rounds, load: load as T }
}

type FloodReport = Record<string, number>
const flooder = (...args: string[]) => runFlooder(args) as Promise<FloodReport>

describe('floods: honest rounds keep at least half their pace', () => {
  it('an event flood from 20 sockets is rate-limited, its sockets closed, and rounds go on', async () => {
    const before = coordinator.refusals.get('rate-limited')
    const { baseline, rounds, load } = await paceUnder(() =>
      flooder('events', coordinator.url, String(WINDOW_SECONDS), '20'),
    )
    const limited = coordinator.refusals.get('rate-limited') - before
    console.log(
      `floods: event flood ${JSON.stringify(load)}; ${limited} rate-limited; ${rounds} rounds (${baseline} before)`,
    )
    expect(baseline).toBeGreaterThan(2)
    expect(limited).toBeGreaterThan(1000)
    expect(coordinator.refusals.get('abuse-disconnect')).toBeGreaterThan(0)
    expect(rounds).toBeGreaterThanOrEqual(baseline / 2)
  })

  it('a connection flood of 1,500 idle sockets gets its address limits, and rounds go on', async () => {
    const { baseline, rounds, load } = await paceUnder(() =>
      flooder('connections', coordinator.url, String(WINDOW_SECONDS), '1500'),
    )
    console.log(`floods: connection flood ${JSON.stringify(load)}; ${rounds} rounds (${baseline} before)`)
    expect(load.connections).toBeLessThanOrEqual(coordinator.limits.connectionsPerAddress)
    expect(load.connections! + load.refusedHandshakes!).toBe(1500)
    // Refused for holding too many open, or, once the storm goes on, for opening too many a minute.
    const refused =
      coordinator.refusals.get('connections-per-address') + coordinator.refusals.get('handshake-rate')
    expect(refused).toBeGreaterThan(1400)
    expect(rounds).toBeGreaterThanOrEqual(baseline / 2)
  })

  it('a verification flood (40 HTTP loops, 10 sockets) is answered from the verified state or refused, and rounds go on', async () => {
    const { baseline, rounds, load } = await paceUnder(() =>
      flooder('verify', coordinator.url, String(WINDOW_SECONDS)),
    )
    console.log(
      `floods: verify flood ${JSON.stringify(load)}; ${coordinator.refusals.get('http-rate')} HTTP refusals; ${rounds} rounds (${baseline} before)`,
    )
    expect(load.http).toBeGreaterThan(100)
    expect(rounds).toBeGreaterThanOrEqual(baseline / 2)
  })

  it('after the floods, an honest request is answered from the verified state', async () => {
    // The floods came from this address too: wait out its HTTP budget, as a client told "retry in N s" would.
    let response = await fetch(`${coordinator.url}/api/chain/verify`)
    for (let tries = 0; response.status === 429 && tries < 15; tries++) {
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
      await new Promise((resolve) => setTimeout(resolve, 1000))
      response = await fetch(`${coordinator.url}/api/chain/verify`)
    }
    const verified = (await response.json()) as { height: number }
    expect(verified).toMatchObject({ ok: true })
    expect(verified.height).toBeGreaterThan(300)
  })
})
