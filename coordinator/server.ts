import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { HeContextCache } from '../shared/he/context-cache'
import { loadSeal } from '../shared/he/seal'
import { randomHexId } from '../shared/ids'
import {
  DASHBOARD_NAMESPACE,
  type EventEntry,
  type FederationMetricsMessage,
  type TaskInfo,
} from '../shared/protocol'
import { type RandomSource, secureRandom } from '../shared/random'
import { defaultTrainingConfig, type TrainingConfig, trainingConfigSchema } from '../shared/rounds/config'
import { diabetesDemoTask } from '../shared/tasks/diabetes-demo'
import { verifyInBackground } from './chain/background-verification'
import { ChainService } from './chain/chain-service'
import { ModelStore } from './chain/model-store'
import {
  type ClientContext,
  ClientDirectory,
  type ClientHandlers,
  type ClientServer,
  clientContext,
  clientDisconnected,
  clientHandlers,
  taskRoom,
} from './client-gateway'
import { attachDashboardGateway, type DashboardNamespace, verificationOf } from './dashboard-gateway'
import { EventLog } from './event-log'
import { Federation } from './federation'
import { httpRequestBudget } from './http/request-budget'
import { applySecurityHeaders } from './http/security-headers'
import { DeliveryStore } from './market/delivery-store'
import { marketHandlers } from './market/market-gateway'
import { MarketTrainingBroker, marketTaskProvider } from './market/training-broker'
import { AddressBudget } from './socket/address-budget'
import { admitConnections, hostAllowed } from './socket/admission'
import { boundedParser } from './socket/bounded-parser'
import { type DispatchSettings, dispatchEvents } from './socket/event-dispatch'
import { baseFrameCap } from './socket/frame-cap'
import { defaultNetworkLimits, type NetworkLimits } from './socket/limits'
import { guardOutbound } from './socket/outbound-guard'
import { guardPackets } from './socket/packet-guard'
import { RefusalCounter } from './socket/refusals'
import { servedHosts } from './socket/served-hosts'
import { builtApp, type RequestHandler, viteDevApp } from './static-files'
import { ChainRecorder } from './task/chain-recorder'
import { TaskRegistry } from './task-registry'

export interface CoordinatorOptions {
  /** 0 picks a free port. */
  readonly port?: number
  readonly host?: string
  /** Tasks to offer from the start; the built-in demo task by default. More can be created from the page. */
  readonly tasks?: readonly TaskInfo[]
  /** Training settings of every task at creation. */
  readonly config?: Partial<TrainingConfig>
  /** Built client to serve; null serves no pages (tests of the socket layer). */
  readonly staticDir?: string | null
  /** Serve the client through Vite's dev middleware instead of a build. */
  readonly dev?: boolean
  /** Seed of the initial weights and the demo data. */
  readonly seed?: number
  /** Client sampling and new seeds; defaults to crypto.getRandomValues. */
  readonly random?: RandomSource
  /** Token that unlocks the live page's controls; random by default. */
  readonly controlToken?: string
  /** Largest model a task may have; sizes the transport's message cap. */
  readonly maxParameters?: number
  /** Load SEAL so tasks can switch encryption on (default true). */
  readonly encryption?: boolean
  /** Where the chain, models and tasks persist; null keeps the chain in memory (tests). */
  readonly dataDir?: string | null
  readonly chainId?: string
  /** Tokens each new account may claim once. */
  readonly faucetAmount?: number
  readonly tickMs?: number
  /** Encrypted aggregates between the checkpoints a late tab replays from (default 10). */
  readonly checkpointEvery?: number
  /** Print events to the console. */
  readonly echoEvents?: boolean
  /** What one peer may cost: event rate, connections, origins, frame sizes (`defaultNetworkLimits`). */
  readonly limits?: Partial<NetworkLimits>
}

export interface Coordinator {
  readonly url: string
  readonly port: number
  readonly controlToken: string
  readonly tasks: TaskRegistry
  /** The first task's federation (the only one unless more were created). */
  readonly federation: Federation
  /** Coordinator-wide events (connections that never joined a task, task creation). */
  readonly log: EventLog
  readonly chain: ChainService
  readonly clientPageUrl: string
  readonly coordinatorPageUrl: string
  /** Everything refused so far, by reason (the live page shows it). */
  readonly refusals: RefusalCounter
  readonly limits: NetworkLimits
  /** The frame every connection may send without an upload grant (JSON text, one ciphertext). */
  readonly frameCap: number
  close(): Promise<void>
}

/**
 * Starts a coordinator: HTTP for the app, socket.io for training clients (default namespace, a room per task) and
 * the live page (`/dashboard`). Each task caps its clients' messages at its model size plus overhead (a payload of
 * the wrong size gets a clear ack error); socket.io's transport limit sits at twice the largest model allowed, so
 * only a far larger message is cut off by the transport (which the event log then reports).
 */
export async function startCoordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
  const seed = options.seed ?? 2026
  const random = options.random ?? secureRandom
  const config = trainingConfigSchema.parse({ ...defaultTrainingConfig, ...options.config })
  const maxParameters = options.maxParameters ?? 1_000_000
  const controlToken = options.controlToken ?? randomHexId(16)

  let app: RequestHandler | null = null
  let closeDev: (() => Promise<void>) | null = null
  if (options.dev) {
    const dev = await viteDevApp(process.cwd())
    app = dev.handler
    closeDev = dev.close
  } else if (options.staticDir) {
    app = builtApp(options.staticDir)
  }

  let registry: TaskRegistry | null = null
  let broker: MarketTrainingBroker | null = null
  const limits: NetworkLimits = {
    ...defaultNetworkLimits,
    ...options.limits,
    allowedHosts: servedHosts(options.host ?? '127.0.0.1', options.limits?.allowedHosts),
  }
  const refusals = new RefusalCounter()
  const withinBudget = httpRequestBudget(limits.httpRequestsPerTenSeconds, () => refusals.count('http-rate'))
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    applySecurityHeaders(res, { dev: options.dev === true })
    if (!hostAllowed(req.headers.host, limits.allowedHosts)) {
      refusals.count('host')
      res.writeHead(421, { 'content-type': 'text/plain' })
      res.end(`this coordinator does not serve the host "${String(req.headers.host).slice(0, 100)}"\n`)
      return
    }
    if (!(await withinBudget(req, res))) return
    if (req.url === '/api/tasks' && registry) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(registry.summaries()))
      return
    }
    if (req.url === '/api/chain/verify') {
      // Answered from the verified state (the chain is verified at start, then block by block): no work per request.
      const verified = verificationOf(chain)
      res.writeHead(verified.ok ? 200 : 409, { 'content-type': 'application/json' })
      res.end(JSON.stringify(verified.ok ? { ok: true, ...verified.value } : verified))
      return
    }
    const notFound = (): void => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found\n')
    }
    if (app) app(req, res, notFound)
    else notFound()
  }
  const http: HttpServer = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      log.add('error', `HTTP ${req.method} ${req.url?.slice(0, 100)} failed: ${String(error)}`)
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end('the coordinator could not answer this request\n')
    })
  })
  // Without SEAL (Node < 22) the coordinator still runs; switching encryption on then says why it cannot.
  const he =
    options.encryption === false
      ? null
      : await loadSeal().then(
          (seal) => new HeContextCache(seal),
          (error: unknown) => error,
        )
  const frames = {
    encryption: he instanceof HeContextCache,
    textFrameBytes: limits.textFrameBytes,
    copyBytes: limits.copyBytes,
  }
  // Every connection may send frames up to the base cap; larger ones only under an upload grant (`client:upload`).
  const frameCap = baseFrameCap(frames)
  const io: ClientServer = new Server(http, {
    maxHttpBufferSize: frameCap,
    serveClient: false,
    parser: boundedParser,
  })
  admitConnections(io, limits, refusals)
  guardPackets(io, limits, refusals)
  const stopOutboundGuard = guardOutbound(io, limits, refusals)
  const directory = new ClientDirectory()
  const echo = options.echoEvents ? (e: EventEntry) => console.log(`[${e.level}] ${e.text}`) : undefined
  const log = new EventLog(200, echo)
  let dashboard: { changed(): void; close(): void } | null = null
  const chain = ChainService.open({
    dataDir: options.dataDir ?? null,
    chainId: options.chainId ?? 'privx-local',
    faucetAmount: options.faucetAmount ?? 100,
  })
  for (const warning of chain.warnings) log.add('warning', `chain: ${warning}`)
  if (chain.fromSnapshot) verifyInBackground(chain, log)
  if (he && !(he instanceof HeContextCache)) log.add('warning', `encryption unavailable: ${String(he)}`)
  const models = options.dataDir ? new ModelStore(options.dataDir) : null
  const recorder = new ChainRecorder(chain, models, log)
  const tasks = new TaskRegistry((task) => {
    recorder.register(task)
    const taskLog = new EventLog(200, echo && ((e) => echo({ ...e, text: `${task.id}: ${e.text}` })))
    const resume = recorder.resumeOf(task)
    return new Federation(
      {
        task,
        config,
        random,
        seed,
        log: taskLog,
        onAggregated: (round) => recorder.record(round, taskLog),
        onFinished: () => {
          broker?.finished(task.id)
          recorder.finish(task.id, taskLog)
        },
        ...(he instanceof HeContextCache ? { he } : {}),
        ...(resume ? { resume } : {}),
        ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
      },
      {
        toClient: (id, event, ...args) => directory.send(id, event, ...args),
        toAll: (event, ...args) => {
          io.to(taskRoom(task.id)).emit(event, ...args)
          // A bought task's model was scored: its buyer's wallet shows the model's held-out quality.
          if (event === 'federation:metrics' && marketTaskProvider(chain.state, task.id)) {
            const { version } = args[0] as FederationMetricsMessage
            io.emit('market:training', { taskId: task.id, version })
          }
        },
        changed: () => dashboard?.changed(),
      },
    )
  }, maxParameters)
  registry = tasks
  const initial = options.tasks ?? [diabetesDemoTask('mlp', seed)]
  const stored = (models?.tasks() ?? []).filter((t) => !initial.some((i) => i.id === t.id))
  for (const task of [...initial, ...stored]) {
    // A bought training task stays open to its provider only, as the chain's purchase says, across restarts.
    const provider = marketTaskProvider(chain.state, task.id)
    const added = tasks.add(task, provider ? { participants: new Set([provider]) } : {})
    if (!added.ok) throw new Error(`task ${task.id}: ${added.error.message}`)
  }
  const dashboardNsp = io.of(DASHBOARD_NAMESPACE) as unknown as DashboardNamespace
  const newSeed = (): number => Math.floor(random() * 2 ** 32)
  dashboard = attachDashboardGateway(dashboardNsp, tasks, controlToken, log, newSeed, chain, limits, refusals)
  refusals.onChange(() => dashboard?.changed())
  const transactions = new AddressBudget(limits.transactionsPerAddressPerMinute, 'chain transactions')
  const table = {
    ...clientHandlers({
      tasks,
      directory,
      chain,
      he: he instanceof HeContextCache ? he : null,
      limits,
      frames,
      transactions,
    }),
    ...marketHandlers(io, chain, new DeliveryStore(options.dataDir ?? null), tasks, transactions),
  } satisfies ClientHandlers
  io.on('connection', (socket) => {
    dispatchEvents(socket, {
      table: table as unknown as DispatchSettings<ClientContext>['table'],
      context: (s) => clientContext(tasks, s as typeof socket),
      limits,
      refusals,
      log: (s, level, text) =>
        (clientContext(tasks, s as typeof socket).entry?.federation.log ?? log).add(level, text),
      onRefused: (c, what, error) => {
        if (c.entry) c.entry.federation.reject(c.socket.data.clientId ?? null, what, error)
        else log.add('warning', `${what} from ${c.who} refused (${error.code}): ${error.message}`)
      },
    })
    socket.on('disconnect', (reason, description) => {
      const refusal = clientDisconnected(
        socket,
        reason,
        description,
        clientContext(tasks, socket),
        log,
        directory,
        () => frameCap,
      )
      if (refusal) refusals.count(refusal)
    })
  })
  broker = new MarketTrainingBroker(chain, tasks, log)
  broker.attach()
  const ticker = setInterval(() => {
    for (const entry of tasks.entries()) entry.federation.tick()
  }, options.tickMs ?? 250)

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve())
  })
  const port = (http.address() as AddressInfo).port
  const shownHost =
    !options.host || options.host === '0.0.0.0' || options.host === '127.0.0.1' ? 'localhost' : options.host
  const url = `http://${shownHost}:${port}`
  return {
    url,
    port,
    controlToken,
    tasks,
    federation: tasks.first.federation,
    log,
    chain,
    clientPageUrl: `${url}/`,
    coordinatorPageUrl: `${url}/coordinator#token=${controlToken}`,
    refusals,
    limits,
    frameCap,
    async close(): Promise<void> {
      clearInterval(ticker)
      stopOutboundGuard()
      dashboard?.close()
      await new Promise<void>((resolve) => io.close(() => resolve()))
      if (he instanceof HeContextCache) he.delete()
      await closeDev?.()
    },
  }
}
