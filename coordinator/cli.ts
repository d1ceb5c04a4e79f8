import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { diabetesDemoTask } from '../shared/tasks/diabetes-demo'
import { startCoordinator } from './server'
import { defaultNetworkLimits } from './socket/limits'

const usage = `Usage: npm start -- [options]

  --port N            HTTP port (default 3000; env PORT)
  --host ADDR         address to listen on (default 127.0.0.1; 0.0.0.0 to accept other machines)
  --model mlp|logistic  demo task model (default mlp)
  --rounds N          rounds to train (default 10)
  --min-clients N     clients needed before a round starts (default 2)
  --auto-start        start training as soon as enough clients are ready
  --encryption bfv|ckks  tabs encrypt their updates from the first round (the coordinator page can switch it too)
  --seed N            seed of the initial weights and demo data (default 2026)
  --stake N           tokens each tab locks in the demo task before joining (default 0: none); returned when
                      its rounds are done, half forfeited per update rejected as broken or out of bounds
  --data-dir DIR      where the chain, models and tasks persist (default .data); "npx privx verify" checks it
  --dev               serve the client through Vite with hot reload
  --allowed-origin URL  a browser origin allowed to connect besides this coordinator's own (repeatable; * for any)
  --allowed-host NAME   a host name this coordinator answers to besides localhost and its listening address
                        (a DNS name in front of it; repeatable; * for any)
  --events-per-second N  events one connection may send per second (default ${defaultNetworkLimits.eventsPerSecond})
  --connections-per-address N  open connections from one IP address (default ${defaultNetworkLimits.connectionsPerAddress})
  --uploads-in-flight N  large uploads at once per task (default ${defaultNetworkLimits.uploadsInFlight})
  --help`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      rounds: { type: 'string' },
      'min-clients': { type: 'string' },
      'auto-start': { type: 'boolean' },
      encryption: { type: 'string' },
      seed: { type: 'string' },
      stake: { type: 'string' },
      dev: { type: 'boolean' },
      'data-dir': { type: 'string', default: '.data' },
      'allowed-origin': { type: 'string', multiple: true },
      'allowed-host': { type: 'string', multiple: true },
      'events-per-second': { type: 'string' },
      'connections-per-address': { type: 'string' },
      'uploads-in-flight': { type: 'string' },
      help: { type: 'boolean' },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const integer = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${name} must be a non-negative integer, got "${raw}"`)
    return n
  }
  const positive = (
    name: 'events-per-second' | 'connections-per-address' | 'uploads-in-flight',
    fallback: number,
  ) => Math.max(1, integer(name, values[name], fallback))
  const model = values.model ?? 'mlp'
  if (model !== 'mlp' && model !== 'logistic')
    throw new Error(`--model must be mlp or logistic, got "${model}"`)
  const encryption = values.encryption
  if (encryption !== undefined && encryption !== 'bfv' && encryption !== 'ckks')
    throw new Error(`--encryption must be bfv or ckks, got "${encryption}"`)
  const seed = integer('seed', values.seed, 2026)
  const stake = integer('stake', values.stake, 0)
  const coordinator = await startCoordinator({
    port: integer('port', values.port ?? process.env['PORT'], 3000),
    host: values.host ?? '127.0.0.1',
    tasks: [{ ...diabetesDemoTask(model, seed), ...(stake > 0 ? { stake: { tokens: stake } } : {}) }],
    config: {
      rounds: integer('rounds', values.rounds, 10),
      minClients: Math.max(1, integer('min-clients', values['min-clients'], 2)),
      ...(encryption ? { encryption: { mode: encryption, clamp: 4 } } : {}),
    },
    seed,
    staticDir: resolve('dist'),
    dev: values.dev ?? false,
    dataDir: resolve(values['data-dir']),
    echoEvents: true,
    limits: {
      allowedOrigins: values['allowed-origin'] ?? [],
      allowedHosts: values['allowed-host'] ?? [],
      eventsPerSecond: positive('events-per-second', defaultNetworkLimits.eventsPerSecond),
      connectionsPerAddress: positive('connections-per-address', defaultNetworkLimits.connectionsPerAddress),
      uploadsInFlight: positive('uploads-in-flight', defaultNetworkLimits.uploadsInFlight),
    },
  })
  if (values['auto-start']) coordinator.federation.control('start')
  console.log(`
Privx coordinator on ${coordinator.url}
  Coordinator page (live rounds, controls): ${coordinator.coordinatorPageUrl}
  Client page (open it in several tabs):   ${coordinator.clientPageUrl}
  Headless clients from a terminal:        npm run headless -- --url ${coordinator.url} --clients 3
`)
  const stop = (): void => {
    void coordinator.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // Handlers cannot throw out (every event goes through one guarded dispatcher). A rejected promise elsewhere
  // leaves no state half-written, so it is logged and serving goes on; an exception that escaped synchronous code
  // may have, so it is logged and the process ends (the chain on disk is whole: a restart resumes from it).
  process.on('unhandledRejection', (reason) => {
    console.error(
      `privx: unhandled rejection, still serving: ${reason instanceof Error ? reason.stack : String(reason)}`,
    )
  })
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE') {
    console.error('privx: that port is in use (another coordinator?). Pick another with --port N or PORT=N.')
    process.exit(1)
  }
  console.error(`privx: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
