import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../client/headless/headless-client'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { waitFor } from '../helpers/wait'
import { runFlooder } from './support/run-flooder'

/** How long each flood (and the unflooded window it is compared with) lasts. */
const WINDOW_SECONDS = 8

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

describe('floods: honest rounds keep at least half their pace', () => {
  let baseline = 0

  it('measures the unflooded pace', async () => {
    baseline = (await roundsDuring(null)).rounds
    console.log(`floods: unflooded, ${baseline} rounds in ${WINDOW_SECONDS} s`)
    expect(baseline).toBeGreaterThan(2)
  })

  it('an event flood from 20 sockets is rate-limited, its sockets closed, and rounds go on', async () => {
    const before = coordinator.refusals.snapshot()
    const { rounds, load } = await roundsDuring(
      runFlooder(['events', coordinator.url, String(WINDOW_SECONDS), '20']),
    )
    const limited = coordinator.refusals.get('rate-limited') - (before['rate-limited'] ?? 0)
    console.log(`floods: event flood ${JSON.stringify(load)}; ${limited} rate-limited; ${rounds} rounds`)
    expect(limited).toBeGreaterThan(1000)
    expect(coordinator.refusals.get('abuse-disconnect')).toBeGreaterThan(0)
    expect(rounds).toBeGreaterThanOrEqual(baseline / 2)
  })

  it('a connection flood of 1,500 idle sockets gets its address limit, and rounds go on', async () => {
    const { rounds, load } = await roundsDuring(
      runFlooder(['connections', coordinator.url, String(WINDOW_SECONDS), '1500']),
    )
    console.log(`floods: connection flood ${JSON.stringify(load)}; ${rounds} rounds`)
    expect(load!.connections).toBeLessThanOrEqual(coordinator.limits.connectionsPerAddress)
    expect(load!.refusedHandshakes).toBeGreaterThan(1000)
    expect(coordinator.refusals.get('connections-per-address')).toBeGreaterThan(1000)
    expect(rounds).toBeGreaterThanOrEqual(baseline / 2)
  })

  it('a verification flood (40 HTTP loops, 10 sockets) is answered from the verified state, and rounds go on', async () => {
    const { rounds, load } = await roundsDuring(
      runFlooder(['verify', coordinator.url, String(WINDOW_SECONDS)]),
    )
    console.log(`floods: verify flood ${JSON.stringify(load)}; ${rounds} rounds`)
    expect(load!.http).toBeGreaterThan(100)
    expect(rounds).toBeGreaterThanOrEqual(baseline / 2)
    const verified = (await (await fetch(`${coordinator.url}/api/chain/verify`)).json()) as { height: number }
    expect(verified).toMatchObject({ ok: true })
    expect(verified.height).toBeGreaterThan(300)
  })
})
