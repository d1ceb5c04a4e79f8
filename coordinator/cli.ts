import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { diabetesDemoTask } from '../shared/tasks/diabetes-demo'
import { startCoordinator } from './server'

const usage = `Usage: npm start -- [options]

  --port N            HTTP port (default 3000; env PORT)
  --host ADDR         address to listen on (default 127.0.0.1; 0.0.0.0 to accept other machines)
  --model mlp|logistic  demo task model (default mlp)
  --rounds N          rounds to train (default 10)
  --min-clients N     clients needed before a round starts (default 2)
  --auto-start        start training as soon as enough clients are ready
  --encryption bfv|ckks  tabs encrypt their updates from the first round (the coordinator page can switch it too)
  --seed N            seed of the initial weights and demo data (default 2026)
  --data-dir DIR      where the chain, models and tasks persist (default .data); "npx privx verify" checks it
  --dev               serve the client through Vite with hot reload
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
      dev: { type: 'boolean' },
      'data-dir': { type: 'string', default: '.data' },
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
  const model = values.model ?? 'mlp'
  if (model !== 'mlp' && model !== 'logistic')
    throw new Error(`--model must be mlp or logistic, got "${model}"`)
  const encryption = values.encryption
  if (encryption !== undefined && encryption !== 'bfv' && encryption !== 'ckks')
    throw new Error(`--encryption must be bfv or ckks, got "${encryption}"`)
  const seed = integer('seed', values.seed, 2026)
  const coordinator = await startCoordinator({
    port: integer('port', values.port ?? process.env['PORT'], 3000),
    host: values.host ?? '127.0.0.1',
    tasks: [diabetesDemoTask(model, seed)],
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
