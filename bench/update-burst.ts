/**
 * Coordinator memory under a burst of 100 simultaneous 4 MB updates (a burst must cost memory of a few models, not
 * one per client). The coordinator runs in a process of its own and samples its memory; 100 socket.io clients here
 * join with proven identities, are all selected, and send their updates at once, asking for an upload slot first
 * as a tab does. Measured side by side in one run: slots as shipped (4 per task) against 100 slots (no limit in
 * effect), each with the collector as it runs, and the live memory (a full collection before each sample), in a DP
 * round, whose sum is streamed (one model in memory): what is left is the transport's. Then the default rule in the
 * clear (Multi-Krum within an adaptive norm bound), which by its nature holds every update until the round closes:
 * up to 4 models (or 16 MiB) in memory, the rest in a temporary file (issue 17), measured with the collector as it
 * runs and live. RSS is reported beside the array buffers.
 * Run: npx tsx bench/update-burst.ts
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { io, type Socket } from 'socket.io-client'
import { generateKeyPair } from '../shared/chain/keys'
import { signUpdate, updateHash } from '../shared/chain/update-signature'
import { encodeFloat32 } from '../shared/codec'
import { type JoinChallenge, proveIdentity } from '../shared/identity/proof'
import { DASHBOARD_NAMESPACE, PROTOCOL_VERSION, type RoundStartMessage } from '../shared/protocol'
import type { Result } from '../shared/result'

const CLIENTS = 100
const MB = 1024 * 1024
const script = fileURLToPath(new URL('./support/burst-coordinator.ts', import.meta.url))

interface Report {
  base: Record<string, number>
  peak: Record<string, number>
  parameters: number
  completedRounds: number
  frameCap: number
}

/** The answer, or a failure when none came (a connection dropped while the coordinator closed the round). */
const ask = (socket: Socket, event: string, payload: unknown): Promise<Result<unknown>> =>
  socket
    .timeout(120_000)
    .emitWithAck(event, payload)
    .catch((error: unknown) => ({
      ok: false as const,
      error: { code: 'invalid-state' as const, message: String(error) },
    }))

async function burst(
  slots: number,
  live: boolean,
  rule: 'streamed' | 'default',
): Promise<{ report: Report; accepted: number; ms: number }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BURST_SLOTS: String(slots), BURST_LIVE: live ? '1' : '0', BURST_RULE: rule },
  })
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)))
  const { url, token } = await next<{ url: string; token: string }>()
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const keys = generateKeyPair()
      const socket = io(url, { forceNew: true, transports: ['websocket'] })
      const start = new Promise<RoundStartMessage>((resolve) =>
        socket.once('round:start', (m: RoundStartMessage) => resolve(m)),
      )
      const challenge = (await ask(socket, 'client:challenge', {})) as { value: JoinChallenge }
      const hello = await ask(socket, 'client:hello', {
        protocol: PROTOCOL_VERSION,
        backend: 'bench',
        taskId: 'big',
        publicKey: keys.publicKey,
        proof: proveIdentity(keys, 'privx-join', challenge.value, 'big'),
      })
      if (!hello.ok) throw new Error(`hello: ${hello.error.message}`)
      const ready = await ask(socket, 'client:ready', { trainExamples: 100, testExamples: 10 })
      if (!ready.ok) throw new Error(`ready: ${ready.error.message}`)
      return { keys, socket, start }
    }),
  )
  const dashboard = io(`${url}${DASHBOARD_NAMESPACE}`, {
    auth: { token, taskId: 'big' },
    transports: ['websocket'],
  })
  await new Promise((resolve) => dashboard.once('connect', () => resolve(null)))
  const started = await ask(dashboard as unknown as Socket, 'dashboard:control', {
    taskId: 'big',
    action: 'start',
  })
  if (!started.ok) throw new Error(`start: ${started.error.message}`)
  const round = (await Promise.all(clients.map((c) => c.start)))[0]!
  // Every update is encoded and signed before the burst, so the burst is only the sending.
  const updates = clients.map(({ keys }, i) => {
    const bytes = encodeFloat32(new Float32Array(round.model.weights.byteLength / 4).fill(1e-4 * (i + 1)))
    return {
      round: round.round,
      baseVersion: round.model.version,
      examples: 100,
      delta: bytes,
      metrics: { loss: 0.5, accuracy: 0.5 },
      signature: signUpdate(keys, 'big', round.round, updateHash(new Uint8Array(bytes))),
    }
  })
  child.send('reset')
  await next()
  const t0 = performance.now()
  const acks = await Promise.all(
    clients.map(async ({ socket }, i) => {
      const bytes = updates[i]!.delta.byteLength
      const room = await ask(socket, 'client:upload', { kind: 'update', taskId: 'big', bytes })
      return room.ok ? ask(socket, 'client:update', updates[i]) : room
    }),
  )
  const ms = performance.now() - t0
  child.send('report')
  const report = await next<Report>()
  for (const c of clients) c.socket.disconnect()
  dashboard.disconnect()
  child.send('stop')
  await new Promise((resolve) => child.once('exit', () => resolve(null)))
  return { report, accepted: acks.filter((a) => a.ok).length, ms }
}

const runs = [
  { label: '4 slots (default)', slots: 4, live: false, rule: 'streamed' },
  { label: '100 slots (no limit)', slots: 100, live: false, rule: 'streamed' },
  { label: '4 slots, live memory', slots: 4, live: true, rule: 'streamed' },
  { label: '100 slots, live memory', slots: 100, live: true, rule: 'streamed' },
  { label: '4 slots, Multi-Krum', slots: 4, live: false, rule: 'default' },
  { label: '4 slots, Multi-Krum live', slots: 4, live: true, rule: 'default' },
] as const
console.log(
  `update burst: ${CLIENTS} clients send a 4 MB update each at once; a DP round (DP-FedAvg, summed as updates ` +
    'arrive) unless the run says Multi-Krum (the default rule in the clear, which holds every update until the round closes, ' +
    'past 4 models in a temporary file)',
)
for (const run of runs) {
  const { report, accepted, ms } = await burst(run.slots, run.live, run.rule)
  const modelMB = (report.parameters * 4) / MB
  const grew = (key: string) => (report.peak[key]! - report.base[key]!) / MB
  console.log(
    `  ${run.label.padEnd(24)} accepted ${accepted}/${CLIENTS} in ${ms.toFixed(0).padStart(5)} ms; peak growth: ` +
      `array buffers ${grew('arrayBuffers').toFixed(1).padStart(6)} MB (${(grew('arrayBuffers') / modelMB).toFixed(1)} models), ` +
      `rss ${grew('rss').toFixed(1).padStart(6)} MB, heap ${grew('heapUsed').toFixed(1)} MB; model ${modelMB.toFixed(2)} MB, base frame cap ${(report.frameCap / MB).toFixed(2)} MB`,
  )
}
