import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { parameterCount } from '../shared/model/spec'
import { DASHBOARD_NAMESPACE, type TaskInfo } from '../shared/protocol'
import { type RandomSource, secureRandom } from '../shared/random'
import { defaultTrainingConfig, type TrainingConfig, trainingConfigSchema } from '../shared/rounds/config'
import { diabetesDemoTask } from '../shared/tasks/diabetes-demo'
import { attachClientGateway, ClientOutbox, type ClientServer } from './client-gateway'
import { attachDashboardGateway, type DashboardNamespace } from './dashboard-gateway'
import { EventLog } from './event-log'
import { Federation } from './federation'
import { builtApp, type RequestHandler, viteDevApp } from './static-files'

export interface CoordinatorOptions {
  /** 0 picks a free port. */
  readonly port?: number
  readonly host?: string
  readonly task?: TaskInfo
  readonly config?: Partial<TrainingConfig>
  /** Built client to serve; null serves no pages (tests of the socket layer). */
  readonly staticDir?: string | null
  /** Serve the client through Vite's dev middleware instead of a build. */
  readonly dev?: boolean
  /** Seed of the initial weights and the demo data. */
  readonly seed?: number
  /** Client sampling; defaults to crypto.getRandomValues. */
  readonly random?: RandomSource
  /** Token that unlocks the live page's controls; random by default. */
  readonly controlToken?: string
  readonly tickMs?: number
  /** Print events to the console. */
  readonly echoEvents?: boolean
}

export interface Coordinator {
  readonly url: string
  readonly port: number
  readonly controlToken: string
  readonly federation: Federation
  readonly maxMessageBytes: number
  readonly clientPageUrl: string
  readonly coordinatorPageUrl: string
  close(): Promise<void>
}

/** Room for the non-weight fields of an update on top of the weight bytes. */
const MESSAGE_OVERHEAD_BYTES = 64 * 1024

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Starts a coordinator: HTTP for the app, socket.io for training clients (default namespace) and the live page
 * (`/dashboard`). Messages are capped at the model's size plus overhead (`maxMessageBytes`); socket.io's transport
 * limit sits at twice that, so a payload of the wrong size gets a clear ack error, and only a far larger one is cut
 * off by the transport (which the event log then reports).
 */
export async function startCoordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
  const seed = options.seed ?? 2026
  const task = options.task ?? diabetesDemoTask('mlp', seed)
  const config = trainingConfigSchema.parse({ ...defaultTrainingConfig, ...options.config })
  const maxMessageBytes = parameterCount(task.model) * 4 + MESSAGE_OVERHEAD_BYTES
  const controlToken = options.controlToken ?? randomToken()

  let app: RequestHandler | null = null
  let closeDev: (() => Promise<void>) | null = null
  if (options.dev) {
    const dev = await viteDevApp(process.cwd())
    app = dev.handler
    closeDev = dev.close
  } else if (options.staticDir) {
    app = builtApp(options.staticDir)
  }

  let federation: Federation | null = null
  const http: HttpServer = createServer((req, res) => {
    if (req.url === '/api/status' && federation) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(federation.snapshot(false)))
      return
    }
    const notFound = (): void => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found\n')
    }
    if (app) app(req, res, notFound)
    else notFound()
  })
  const io: ClientServer = new Server(http, { maxHttpBufferSize: 2 * maxMessageBytes, serveClient: false })
  const outbox = new ClientOutbox(io)
  const dashboardNsp = io.of(DASHBOARD_NAMESPACE) as unknown as DashboardNamespace
  let dashboard: { changed(): void; close(): void } | null = null
  const log = new EventLog(200, options.echoEvents ? (e) => console.log(`[${e.level}] ${e.text}`) : undefined)
  federation = new Federation(
    { task, config, random: options.random ?? secureRandom, seed, log },
    {
      toClient: (id, event, ...args) => outbox.toClient(id, event, ...args),
      toAll: (event, ...args) => outbox.toAll(event, ...args),
      changed: () => dashboard?.changed(),
    },
  )
  dashboard = attachDashboardGateway(dashboardNsp, federation, controlToken)
  attachClientGateway(io, federation, outbox, { maxMessageBytes })
  const ticker = setInterval(() => federation.tick(), options.tickMs ?? 250)

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
    federation,
    maxMessageBytes,
    clientPageUrl: `${url}/`,
    coordinatorPageUrl: `${url}/coordinator?token=${controlToken}`,
    async close(): Promise<void> {
      clearInterval(ticker)
      dashboard?.close()
      await new Promise<void>((resolve) => io.close(() => resolve()))
      await closeDev?.()
    },
  }
}
