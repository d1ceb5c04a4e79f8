/**
 * A coordinator in a process of its own for bench/update-burst.ts: one task of about a million parameters (4 MB
 * updates), limits opened for 100 clients from one address, BURST_SLOTS upload slots, BURST_RULE the aggregator. Sends `{ url, token }` over
 * IPC, then samples its own memory; on "report" it sends the peak since the last "reset".
 */
import { startCoordinator } from '../../coordinator/server'
import { defaultPrivacyConfig } from '../../shared/rounds/config'
import { millionParameterTask } from './million-task'

const coordinator = await startCoordinator({
  port: 0,
  staticDir: null,
  encryption: false,
  tasks: [millionParameterTask()],
  config: {
    rounds: 1,
    minClients: 100,
    clientsPerRound: 0,
    roundDeadlineMs: 120_000,
    quorumFraction: 1,
    // BURST_RULE=streamed: a DP round, summed as updates arrive (DP-FedAvg, one model in memory); else the default
    // robust rule (Multi-Krum within an adaptive norm bound), which holds every update until the round closes.
    privacy:
      process.env.BURST_RULE === 'streamed'
        ? { ...defaultPrivacyConfig, mode: 'local' }
        : defaultPrivacyConfig,
  },
  limits: { connectionsPerAddress: 200, uploadsInFlight: Number(process.env.BURST_SLOTS ?? 4) },
})
/** With BURST_LIVE=1, each sample follows a full collection: the peak of live memory, not of garbage not yet freed. */
const live = process.env.BURST_LIVE === '1' && typeof globalThis.gc === 'function'

const sample = () => {
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}
let peak = sample()
let base = sample()
setInterval(
  () => {
    if (live) globalThis.gc!()
    const now = sample()
    for (const key of Object.keys(peak) as (keyof typeof peak)[]) peak[key] = Math.max(peak[key], now[key])
  },
  live ? 25 : 10,
).unref()

process.on('message', (message) => {
  if (message === 'reset') {
    globalThis.gc?.()
    base = sample()
    peak = sample()
    process.send!({ base })
  } else if (message === 'report') {
    process.send!({
      base,
      peak,
      parameters: coordinator.federation.parameters,
      completedRounds: coordinator.federation.state.completedRounds,
      frameCap: coordinator.frameCap,
    })
  } else if (message === 'stop') {
    void coordinator.close().then(() => process.exit(0))
  }
})
process.send!({ url: coordinator.url, token: coordinator.controlToken })
