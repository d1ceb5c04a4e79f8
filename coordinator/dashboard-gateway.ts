import type { Namespace, Socket } from 'socket.io'
import {
  blockRequestSchema,
  configureSchema,
  controlSchema,
  createTaskSchema,
  fundTaskSchema,
  parsePayload,
  proofRequestSchema,
  statisticsRequestSchema,
  watchSchema,
} from '../shared/guards'
import type {
  Ack,
  ChainView,
  DashboardClientEvents,
  DashboardServerEvents,
  TaskInfo,
  TaskSummary,
} from '../shared/protocol'
import { fail, ok, type Result } from '../shared/result'
import { csvTask } from '../shared/tasks/csv-task'
import { diabetesDemoTask } from '../shared/tasks/diabetes-demo'
import type { ChainService } from './chain/chain-service'
import type { EventLog } from './event-log'
import type { TaskEntry, TaskRegistry } from './task-registry'

type DashboardData = { canControl: boolean; taskId: string }

/** The explorer's view: the last 50 blocks, the 100 largest accounts, the last 50 training records. */
function chainView(chain: ChainService): ChainView {
  const state = chain.state
  const head = chain.blocks.at(-1)!
  return {
    chainId: chain.chainId,
    height: chain.blocks.length,
    head: head.hash,
    producer: state.producer,
    supply: state.supply,
    blocks: chain.blocks
      .slice(-50)
      .reverse()
      .map((b) => ({
        index: b.header.index,
        hash: b.hash,
        timestamp: b.header.timestamp,
        types: b.transactions.map((t) => t.body.type),
      })),
    accounts: Object.entries(state.accounts)
      .map(([address, a]) => ({ address, balance: a.balance, nonce: a.nonce }))
      .sort((a, b) => b.balance - a.balance || b.nonce - a.nonce)
      .slice(0, 100),
    rounds: state.rounds.slice(-50).reverse(),
    tasks: Object.values(state.tasks).map((t) => ({
      taskId: t.taskId,
      name: t.name,
      escrow: t.escrow,
      rounds: t.rounds,
    })),
  }
}

export type DashboardNamespace = Namespace<
  DashboardClientEvents,
  DashboardServerEvents,
  Record<string, never>,
  DashboardData
>
type DashboardSocket = Socket<
  DashboardClientEvents,
  DashboardServerEvents,
  Record<string, never>,
  DashboardData
>

const SNAPSHOT_INTERVAL_MS = 150

/**
 * The live coordinator page. Anyone may watch; starting, pausing, resetting, changing settings and creating tasks
 * need the control token printed at start (sent as `auth.token`). Each page watches one task; snapshots are
 * coalesced to at most one per 150 ms.
 */
export function attachDashboardGateway(
  nsp: DashboardNamespace,
  tasks: TaskRegistry,
  controlToken: string,
  log: EventLog,
  newSeed: () => number,
  chain: ChainService,
): { changed(): void; close(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null

  const snapshotOf = (socket: DashboardSocket) => {
    const entry = tasks.get(socket.data.taskId) ?? tasks.first
    return {
      ...entry.federation.snapshot(socket.data.canControl, tasks.summaries(), log.entries),
      chainHeight: chain.blocks.length,
    }
  }

  const publish = (): void => {
    timer = null
    const views = new Map<string, ReturnType<typeof snapshotOf>>()
    for (const socket of nsp.sockets.values()) {
      const key = `${socket.data.taskId}|${socket.data.canControl}`
      let view = views.get(key)
      if (!view) {
        view = snapshotOf(socket)
        views.set(key, view)
      }
      socket.emit('dashboard:snapshot', view)
    }
  }

  const createTask = (request: unknown): Result<TaskSummary> => {
    const parsed = parsePayload(createTaskSchema, request, 'task')
    if (!parsed.ok) return fail('invalid-config', parsed.error.message)
    const r = parsed.value
    let task: TaskInfo
    if (r.source === 'template') {
      const demo = diabetesDemoTask(r.model, newSeed())
      const name = r.name ?? demo.name
      task = { ...demo, id: tasks.uniqueId(name), name }
    } else {
      task = csvTask(tasks.uniqueId(r.name), r)
    }
    const added = tasks.add(task)
    if (!added.ok) return added
    log.add('info', `task "${task.name}" (${task.id}) created: ${added.value.federation.summary().model}`)
    return ok(added.value.federation.summary())
  }

  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth as { token?: unknown; taskId?: unknown } | undefined
    socket.data.canControl = typeof auth?.token === 'string' && auth.token === controlToken
    socket.data.taskId =
      typeof auth?.taskId === 'string' && tasks.get(auth.taskId) ? auth.taskId : tasks.first.task.id
    socket.emit('dashboard:snapshot', snapshotOf(socket))

    const controlled = <T>(ack: unknown, work: () => Result<T>): void => {
      if (typeof ack !== 'function') return
      const reply = ack as Ack<T>
      if (!socket.data.canControl) {
        reply(
          fail(
            'unauthorized',
            'controls need the coordinator page URL with its token (printed when the coordinator starts)',
          ),
        )
        return
      }
      reply(work())
    }
    const taskOf = (taskId: string): Result<TaskEntry> => {
      const entry = tasks.get(taskId)
      return entry ? ok(entry) : fail('unknown-task', `no task "${taskId}" here`)
    }

    socket.on('dashboard:watch', (payload, ack) => {
      const request = parsePayload(watchSchema, payload, 'watch request')
      const entry = request.ok ? taskOf(request.value.taskId) : request
      if (entry.ok) {
        socket.data.taskId = entry.value.task.id
        socket.emit('dashboard:snapshot', snapshotOf(socket))
      }
      if (typeof ack === 'function') (ack as Ack<null>)(entry.ok ? ok(null) : entry)
    })
    socket.on('dashboard:control', (payload, ack) =>
      controlled(ack, () => {
        const request = parsePayload(controlSchema, payload, 'control')
        if (!request.ok) return request
        const entry = taskOf(request.value.taskId)
        return entry.ok ? entry.value.federation.control(request.value.action) : entry
      }),
    )
    socket.on('dashboard:configure', (payload, ack) =>
      controlled(ack, () => {
        const request = parsePayload(configureSchema, payload, 'settings')
        if (!request.ok) return fail('invalid-config', request.error.message)
        const entry = taskOf(request.value.taskId)
        return entry.ok ? entry.value.federation.configure(request.value.patch) : entry
      }),
    )
    socket.on('dashboard:statistics', (payload, ack) =>
      controlled(ack, () => {
        const request = parsePayload(statisticsRequestSchema, payload, 'statistics request')
        if (!request.ok) return request
        const entry = taskOf(request.value.taskId)
        return entry.ok ? entry.value.federation.requestStatistics(request.value.epsilon) : entry
      }),
    )
    // The chain is public: anyone may explore and verify it.
    const reply = <T>(ack: unknown, result: Result<T>): void => {
      if (typeof ack === 'function') (ack as Ack<T>)(result)
    }
    socket.on('dashboard:chain', (_payload, ack) => reply(ack, ok(chainView(chain))))
    socket.on('dashboard:block', (payload, ack) => {
      const request = parsePayload(blockRequestSchema, payload, 'block request')
      if (!request.ok) return reply(ack, request)
      const block = chain.blocks[request.value.index]
      reply(
        ack,
        block
          ? ok(block)
          : fail('bad-payload', `no block ${request.value.index}; the chain has ${chain.blocks.length}`),
      )
    })
    socket.on('dashboard:fund-task', (payload, ack) =>
      controlled(ack, () => {
        const request = parsePayload(fundTaskSchema, payload, 'funding')
        if (!request.ok) return request
        const funded = chain.fundTask(request.value.taskId, request.value.amount)
        if (funded.ok) {
          log.add(
            'info',
            `task ${request.value.taskId}: ${request.value.amount} tokens into the reward escrow (now ${funded.value.escrow})`,
          )
          changed()
        }
        return funded
      }),
    )
    socket.on('dashboard:verify-chain', (_payload, ack) => {
      const verified = chain.verify()
      reply(
        ack,
        verified.ok
          ? ok({ height: verified.height })
          : fail(
              'invalid-state',
              `invalid at block ${verified.index} (${verified.check}): ${verified.message}`,
            ),
      )
    })
    socket.on('dashboard:proof', (payload, ack) => {
      const request = parsePayload(proofRequestSchema, payload, 'proof request')
      reply(ack, request.ok ? chain.proof(request.value.txId) : request)
    })
    socket.on('dashboard:create-task', (payload, ack) =>
      controlled(ack, () => {
        const created = createTask(payload)
        if (created.ok) changed()
        return created
      }),
    )
  })

  const changed = (): void => {
    if (!timer) timer = setTimeout(publish, SNAPSHOT_INTERVAL_MS)
  }
  return {
    changed,
    close(): void {
      if (timer) clearTimeout(timer)
      timer = null
    },
  }
}
