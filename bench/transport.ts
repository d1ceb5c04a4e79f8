/**
 * One 4 MB update through the real path against a raw socket.io emit with ack of the same bytes, side by side in one
 * run on loopback (issue 17: the real path at 80% or more of the raw emit's speed).
 * - raw: a bare socket.io server that acks every binary event; the client times `emitWithAck` of the bytes.
 * - real: a coordinator (`startCoordinator`) with a task of about a million parameters; joined clients send their
 *   update through the tab's own `UpdateSender` (encode, hash, sign, ask an upload slot, send) and the coordinator
 *   checks it (schema, hash, signature, length, finite values) and counts it in the round. Timed from encode to ack.
 * Each round has CLIENTS selected clients: all but the last send one after another, each timed next to a raw emit;
 * the last update closes the round (aggregation, chain, model broadcast), timed apart, as it is a different cost.
 * Run: npx tsx bench/transport.ts [--rounds N]
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { io, type Socket } from 'socket.io-client'
import { memoryPrivacyStore } from '../client/session/cumulative-privacy'
import { EncryptedModel } from '../client/session/encrypted-model'
import { SessionLink } from '../client/session/session-link'
import { SessionState } from '../client/session/session-state'
import { UpdateSender } from '../client/session/update-sender'
import { startCoordinator } from '../coordinator/server'
import { generateKeyPair } from '../shared/chain/keys'
import { updateHash } from '../shared/chain/update-signature'
import { encodeFloat32 } from '../shared/codec'
import { type JoinChallenge, proveIdentity } from '../shared/identity/proof'
import { type HelloReply, PROTOCOL_VERSION, type RoundStartMessage } from '../shared/protocol'
import type { Result } from '../shared/result'
import { millionParameterTask } from './support/million-task'

const CLIENTS = 5
const roundsArg = process.argv.indexOf('--rounds')
const ROUNDS = roundsArg === -1 ? 12 : Number(process.argv[roundsArg + 1])
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds takes a positive whole number')

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Wall-clock milliseconds, and the process's CPU milliseconds (client and server both run here, so the CPU time
 * is the work done, whatever else the machine runs meanwhile). */
interface Timing {
  readonly wall: number
  readonly cpu: number
}

const timingSince = (t0: number, c0: NodeJS.CpuUsage): Timing => {
  const { user, system } = process.cpuUsage(c0)
  return { wall: performance.now() - t0, cpu: (user + system) / 1000 }
}

/** A bare socket.io server on loopback that acks every "blob" event, and a client connected to it. */
async function rawPair(maxBytes: number) {
  const http = createServer()
  const server = new Server(http, { maxHttpBufferSize: maxBytes, transports: ['websocket'] })
  server.on('connection', (socket) => {
    socket.on('blob', (data: Buffer, ack: (r: unknown) => void) => ack({ ok: true, bytes: data.byteLength }))
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const { port } = http.address() as AddressInfo
  const client = io(`http://127.0.0.1:${port}`, { forceNew: true, transports: ['websocket'] })
  await new Promise((resolve) => client.once('connect', () => resolve(null)))
  return {
    async emit(bytes: ArrayBuffer): Promise<Timing> {
      const t0 = performance.now()
      const c0 = process.cpuUsage()
      const r = (await client.timeout(30_000).emitWithAck('blob', bytes)) as { bytes: number }
      if (r.bytes !== bytes.byteLength) throw new Error('raw emit: the server got other bytes')
      return timingSince(t0, c0)
    },
    close() {
      client.disconnect()
      server.close()
    },
  }
}

const coordinator = await startCoordinator({
  port: 0,
  staticDir: null,
  encryption: false,
  tasks: [millionParameterTask()],
  config: {
    rounds: ROUNDS + 1,
    minClients: CLIENTS,
    clientsPerRound: 0,
    roundDeadlineMs: 120_000,
    quorumFraction: 1,
  },
})
const parameters = coordinator.federation.parameters
const raw = await rawPair(2 * parameters * 4)

const ask = (socket: Socket, event: string, payload: unknown): Promise<Result<unknown>> =>
  socket.timeout(30_000).emitWithAck(event, payload)

/** A joined client with the tab's own update sender; `nextRound` resolves with the next round:start. */
async function joinedClient(i: number) {
  const keys = generateKeyPair()
  const socket = io(coordinator.url, { forceNew: true, transports: ['websocket'] })
  let nextStart: (m: RoundStartMessage) => void = () => {}
  let started = new Promise<RoundStartMessage>((resolve) => {
    nextStart = resolve
  })
  socket.on('round:start', (m: RoundStartMessage) => nextStart(m))
  const challenge = (await ask(socket, 'client:challenge', {})) as Result<JoinChallenge>
  if (!challenge.ok) throw new Error(`challenge: ${challenge.error.message}`)
  const hello = (await ask(socket, 'client:hello', {
    protocol: PROTOCOL_VERSION,
    backend: 'bench',
    taskId: 'big',
    publicKey: keys.publicKey,
    proof: proveIdentity(keys, 'privx-join', challenge.value, 'big'),
  })) as Result<HelloReply>
  if (!hello.ok) throw new Error(`hello: ${hello.error.message}`)
  const ready = await ask(socket, 'client:ready', { trainExamples: 100, testExamples: 10 })
  if (!ready.ok) throw new Error(`ready: ${ready.error.message}`)
  const state = new SessionState('bench')
  const link = new SessionLink(socket, state)
  const sender = new UpdateSender({
    link,
    state,
    keys,
    taskId: 'big',
    encryption: null,
    model: new EncryptedModel(link, state, null, async () => {}),
    privacyStore: memoryPrivacyStore(),
  })
  sender.setLimits(hello.value)
  const delta = new Float32Array(parameters).fill(1e-4 * (i + 1))
  return {
    socket,
    state,
    delta,
    async nextRound(): Promise<RoundStartMessage> {
      const m = await started
      started = new Promise((resolve) => {
        nextStart = resolve
      })
      return m
    },
    /** Sends this round's update as a tab does; the milliseconds from encode to the coordinator's ack. */
    async send(round: RoundStartMessage): Promise<Timing> {
      const before = state.snapshot.roundsTrained
      const t0 = performance.now()
      const c0 = process.cpuUsage()
      await sender.send(
        round,
        { delta, examples: 100, metrics: { loss: 0.5, accuracy: 0.5 }, durationMs: 1 },
        new AbortController().signal,
      )
      const timing = timingSince(t0, c0)
      if (state.snapshot.roundsTrained !== before + 1) {
        const last = state.snapshot.notices?.at(-1)
        throw new Error(`round ${round.round}: the update was not accepted (${JSON.stringify(last)})`)
      }
      return timing
    },
  }
}

const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => joinedClient(i)))
const control = coordinator.federation.control('start')
if (!control.ok) throw new Error(`start: ${control.error.message}`)

const raws: Timing[] = []
const reals: Timing[] = []
/** SHA-256 of the same bytes alone: the real path does it twice (the tab signs it, the coordinator checks it). */
const hashMs: number[] = []
const closings: Timing[] = []
// Warm-up: a few raw emits and one full round, not counted.
for (let i = 0; i < 3; i++) await raw.emit(encodeFloat32(clients[0]!.delta))
for (let r = 0; r <= ROUNDS; r++) {
  const starts = await Promise.all(clients.map((c) => c.nextRound()))
  const counted = r > 0
  for (let i = 0; i < CLIENTS - 1; i++) {
    const rawTime = await raw.emit(encodeFloat32(clients[i]!.delta))
    const realTime = await clients[i]!.send(starts[i]!)
    const t0 = performance.now()
    updateHash(new Uint8Array(encodeFloat32(clients[i]!.delta)))
    const hashTime = performance.now() - t0
    if (counted) {
      raws.push(rawTime)
      reals.push(realTime)
      hashMs.push(hashTime)
    }
  }
  const closing = await clients[CLIENTS - 1]!.send(starts[CLIENTS - 1]!)
  if (counted) closings.push(closing)
}

const wall = (ts: readonly Timing[]) => median(ts.map((t) => t.wall))
const cpu = (ts: readonly Timing[]) => median(ts.map((t) => t.cpu))
const MB = (parameters * 4) / 1024 / 1024
const row = (label: string, ts: readonly Timing[]) =>
  `  ${label.padEnd(28)} median ${wall(ts).toFixed(2).padStart(7)} ms wall, ${cpu(ts).toFixed(2).padStart(7)} ms CPU`
console.log(
  `transport: one ${MB.toFixed(2)} MB update (${parameters} parameters), ${raws.length} of each, loopback`,
)
console.log(row('raw socket.io emitWithAck', raws))
console.log(row('real path (encode to ack)', reals))
console.log(
  `  ratio raw / real            ${(wall(raws) / wall(reals)).toFixed(2)} wall, ${(cpu(raws) / cpu(reals)).toFixed(2)} CPU ` +
    '(issue 17 asks 0.80 or more)',
)
const hashMedian = median(hashMs)
console.log(
  `  SHA-256 of the bytes alone: ${hashMedian.toFixed(2)} ms; the real path hashes them twice (the tab what it signs, ` +
    `the coordinator what it checks): ${(2 * hashMedian).toFixed(2)} of the ${(wall(reals) - wall(raws)).toFixed(2)} ms between them`,
)
console.log(
  `  the update that closes a round (aggregation, chain, model broadcast): median ${wall(closings).toFixed(1)} ms over ${closings.length}`,
)
for (const c of clients) c.socket.disconnect()
raw.close()
await coordinator.close()
