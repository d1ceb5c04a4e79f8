import { timingSafeEqual } from 'node:crypto'
import type { Namespace, Socket } from 'socket.io'
import type { z } from 'zod'
import { stakeSummary } from '../shared/chain/contracts/stake'
import { encodeFloat32 } from '../shared/codec'
import {
  blockRequestSchema,
  configureSchema,
  controlSchema,
  createTaskSchema,
  fundTaskSchema,
  noPayloadSchema,
  proofRequestSchema,
  statisticsRequestSchema,
  watchSchema,
} from '../shared/guards'
import type {
  ChainVerification,
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
import { type DispatchSettings, dispatchEvents } from './socket/event-dispatch'
import { type EventHandler, guarded, type HandlerTable } from './socket/handler-table'
import { EVENT_COST, type NetworkLimits } from './socket/limits'
import type { RefusalCounter } from './socket/refusals'
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
      stake: stakeSummary(t),
      finished: t.finished === true,
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

/** Compares the control token in constant time. */
function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The chain's verification as last established (at start, then block by block): no work per request. */
export function verificationOf(chain: ChainService): Result<ChainVerification> {
  const v = chain.verified()
  return v.ok
    ? ok({ height: v.height, head: v.head, verifiedAt: v.verifiedAt, fullVerifiedAt: v.fullVerifiedAt })
    : fail('invalid-state', `invalid at block ${v.index} (${v.check}): ${v.message}`)
}

/**
 * The live coordinator page's events, from one guarded table (`dispatchEvents`: rate-limited, never throwing out).
 * Anyone may watch; starting, pausing, resetting, changing settings, funding, creating tasks and a full chain
 * re-verification need the control token printed at start (sent as `auth.token` in the handshake, never in a URL).
 * Each page watches one task; snapshots are coalesced to at most one per 150 ms.
 */
export function attachDashboardGateway(
  nsp: DashboardNamespace,
  tasks: TaskRegistry,
  controlToken: string,
  log: EventLog,
  newSeed: () => number,
  chain: ChainService,
  limits: NetworkLimits,
  refusals: RefusalCounter,
): { changed(): void; close(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null

  const snapshotOf = (socket: DashboardSocket) => {
    const entry = tasks.get(socket.data.taskId) ?? tasks.first
    return {
      ...entry.federation.snapshot(socket.data.canControl, tasks.summaries(), log.entries),
      chainHeight: chain.blocks.length,
      refusals: refusals.snapshot(),
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

  const createTask = (r: z.output<typeof createTaskSchema>): Result<TaskSummary> => {
    let task: TaskInfo
    if (r.source === 'template') {
      const demo = diabetesDemoTask(r.model, newSeed())
      const name = r.name ?? demo.name
      task = { ...demo, id: tasks.uniqueId(name), name, ...(r.stake ? { stake: r.stake } : {}) }
    } else {
      task = csvTask(tasks.uniqueId(r.name), r)
    }
    const added = tasks.add(task)
    if (!added.ok) return added
    log.announce(
      'info',
      `task "${task.name}" (${task.id}) created: ${added.value.federation.summary().model}`,
    )
    return ok(added.value.federation.summary())
  }

  const taskOf = (taskId: string): Result<TaskEntry> => {
    const entry = tasks.get(taskId)
    return entry ? ok(entry) : fail('unknown-task', `no task "${taskId}" here`)
  }
  const needsToken = fail(
    'unauthorized',
    'controls need the coordinator page URL with its token (printed when the coordinator starts)',
  )
  /** An event only the control token unlocks; its payload is checked after the token. */
  const controlled = <S extends z.ZodType, T>(
    what: string,
    schema: S,
    handle: (value: z.output<S>, socket: DashboardSocket) => Result<T> | Promise<Result<T>>,
    cost = 1,
  ): EventHandler<T, DashboardSocket> => {
    const inner = guarded(what, schema, handle, cost)
    return {
      what,
      cost,
      run: (payload, socket) => (socket.data.canControl ? inner.run(payload, socket) : needsToken),
    }
  }

  const table: HandlerTable<DashboardClientEvents, DashboardSocket> = {
    'dashboard:watch': guarded('watch request', watchSchema, (request, socket) => {
      const entry = taskOf(request.taskId)
      if (!entry.ok) return entry
      socket.data.taskId = entry.value.task.id
      socket.emit('dashboard:snapshot', snapshotOf(socket))
      return ok(null)
    }),
    'dashboard:control': controlled('control', controlSchema, (request) => {
      const entry = taskOf(request.taskId)
      return entry.ok ? entry.value.federation.control(request.action) : entry
    }),
    'dashboard:configure': controlled('settings', configureSchema, (request) => {
      const entry = taskOf(request.taskId)
      return entry.ok ? entry.value.federation.configure(request.patch) : entry
    }),
    'dashboard:statistics': controlled('statistics request', statisticsRequestSchema, (request) => {
      const entry = taskOf(request.taskId)
      return entry.ok ? entry.value.federation.requestStatistics(request.epsilon) : entry
    }),
    // The chain is public: anyone may explore it and read its verification (answered from the verified state).
    'dashboard:chain': guarded('chain request', noPayloadSchema, () => ok(chainView(chain))),
    'dashboard:block': guarded('block request', blockRequestSchema, (request) => {
      const block = chain.blocks[request.index]
      return block
        ? ok(block)
        : fail('bad-payload', `no block ${request.index}; the chain has ${chain.blocks.length}`)
    }),
    'dashboard:fund-task': controlled('funding', fundTaskSchema, (request) => {
      const funded = chain.fundTask(request.taskId, request.amount)
      if (funded.ok) {
        log.announce(
          'info',
          `task ${request.taskId}: ${request.amount} tokens into the reward escrow (now ${funded.value.escrow})`,
        )
        changed()
      }
      return funded
    }),
    'dashboard:verify-chain': guarded('verification request', noPayloadSchema, () => verificationOf(chain)),
    'dashboard:reverify-chain': controlled(
      'full re-verification',
      noPayloadSchema,
      async () => {
        const verified = await chain.reverify()
        return verified.ok ? verificationOf(chain) : verified
      },
      EVENT_COST.reverify,
    ),
    'dashboard:proof': guarded('proof request', proofRequestSchema, (request) => chain.proof(request.txId)),
    // The model is what the tabs' data trained: only the token holder takes it home.
    'dashboard:model': controlled(
      'model download',
      watchSchema,
      (request) => {
        const entry = taskOf(request.taskId)
        if (!entry.ok) return entry
        const { federation } = entry.value
        if (!federation.modelInClear)
          return fail(
            'invalid-state',
            'after an encrypted round only the tabs that hold the key have the model (the coordinator never sees it)',
          )
        const { round, version, weights } = federation.global
        return ok({ task: federation.task, round, version, weights: encodeFloat32(weights) })
      },
      EVENT_COST.replay,
    ),
    'dashboard:create-task': controlled('task', createTaskSchema, (request) => {
      const created = createTask(request)
      if (created.ok) changed()
      return created
    }),
  }

  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth as { token?: unknown; taskId?: unknown } | undefined
    socket.data.canControl = typeof auth?.token === 'string' && safeEqual(auth.token, controlToken)
    socket.data.taskId =
      typeof auth?.taskId === 'string' && tasks.get(auth.taskId) ? auth.taskId : tasks.first.task.id
    dispatchEvents(socket as unknown as Socket, {
      table: table as unknown as DispatchSettings<DashboardSocket>['table'],
      context: () => socket,
      limits,
      refusals,
      log: (_socket, level, text) => log.add(level, `live page: ${text}`),
    })
    socket.emit('dashboard:snapshot', snapshotOf(socket))
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
