/**
 * A hostile load from a process of its own (so its own CPU does not slow the coordinator's process), bounded in time:
 *   events URL SECONDS SOCKETS       sockets sending events as fast as they can, reconnecting when closed
 *   connections URL SECONDS COUNT    opens COUNT idle connections and holds them
 *   verify URL SECONDS               40 concurrent GET /api/chain/verify loops and 10 sockets asking for verification
 * Prints one JSON line of what it did when the time is up, then exits.
 */
import { HandshakeRefused, RawSocketIo } from '../../helpers/raw-socket-io'

const [mode, url, secondsText, countText] = process.argv.slice(2)
const until = Date.now() + Number(secondsText) * 1000
const count = Number(countText ?? 0)
const stats = { mode, sent: 0, connections: 0, refusedHandshakes: 0, closedByServer: 0, http: 0 }
const running = () => Date.now() < until
const tick = () => new Promise((resolve) => setImmediate(resolve))

async function connect(namespace = '/', pauseOnRefusal = true): Promise<RawSocketIo | null> {
  try {
    const peer = await RawSocketIo.connect(url!, { namespace, timeoutMs: 5000 })
    stats.connections++
    return peer
  } catch (error) {
    if (error instanceof HandshakeRefused) stats.refusedHandshakes++
    if (pauseOnRefusal) await new Promise((resolve) => setTimeout(resolve, 20))
    return null
  }
}

async function eventLoop(event: string, namespace = '/'): Promise<void> {
  let peer: RawSocketIo | null = null
  let ack = 1
  while (running()) {
    if (!peer?.open) {
      if (peer) stats.closedByServer++
      peer = await connect(namespace)
      continue
    }
    const prefix = namespace === '/' ? '42' : `42${namespace},`
    for (let i = 0; i < 50; i++) peer.sendFrame(`${prefix}${ack++}["${event}",{}]`)
    stats.sent += 50
    await tick()
  }
  peer?.close()
}

async function main(): Promise<void> {
  if (mode === 'events') {
    await Promise.all(
      Array.from({ length: count }, (_, i) => eventLoop(i % 2 ? 'market:statistics' : 'client:tasks')),
    )
  } else if (mode === 'connections') {
    const peers: RawSocketIo[] = []
    // Every one of the COUNT connections is attempted, however long that takes (the window may run over).
    for (let i = 0; i < count; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, () => connect('/', false)),
      )
      for (const p of batch) if (p) peers.push(p)
    }
    while (running()) await new Promise((resolve) => setTimeout(resolve, 100))
    for (const p of peers) p.close()
  } else if (mode === 'verify') {
    const http = async () => {
      while (running()) {
        try {
          await (await fetch(`${url}/api/chain/verify`)).text()
          stats.http++
        } catch {
          await tick()
        }
      }
    }
    await Promise.all([
      ...Array.from({ length: 40 }, http),
      ...Array.from({ length: 10 }, () => eventLoop('dashboard:verify-chain', '/dashboard')),
    ])
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
  console.log(JSON.stringify(stats))
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
