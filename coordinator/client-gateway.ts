import type { Server, Socket } from 'socket.io'
import type { z } from 'zod'
import { joinProblem, stakeView } from '../shared/chain/contracts/stake'
import { addressOf } from '../shared/chain/keys'
import { transactionSchema } from '../shared/chain/schema'
import { accountOf } from '../shared/chain/state'
import type { SignedTransaction } from '../shared/chain/transaction'
import { updateHash, verifyUpdateSignature } from '../shared/chain/update-signature'
import { bytesOf, decodeFloat32, firstNonFinite } from '../shared/codec'
import {
  accountRequestSchema,
  declineSchema,
  encryptedUpdateSchema,
  evaluationSchema,
  heEnvelopeSchema,
  heKeySchema,
  helloSchema,
  inferenceRequestSchema,
  noPayloadSchema,
  progressSchema,
  readySchema,
  statisticsReportSchema,
  updateSchema,
} from '../shared/guards'
import type { HeContextCache } from '../shared/he/context-cache'
import { ciphertextsHash } from '../shared/he/wire'
import { checkIdentityProof, type JoinChallenge, newChallenge } from '../shared/identity/proof'
import { stageTimes } from '../shared/metrics/stage-times'
import type { ClientToServerEvents, HelloReply, ServerToClientEvents } from '../shared/protocol'
import {
  checkpointUploadSchema,
  checkpointVerdictSchema,
  replayRequestSchema,
} from '../shared/protocol/encryption'
import { fail, ok, type Result } from '../shared/result'
import type { ClientId } from '../shared/rounds/state'
import type { ChainService } from './chain/chain-service'
import type { EventLog } from './event-log'
import { servePrivateInference } from './he/private-inference'
import type { AddressBudget } from './socket/address-budget'
import { baseFrameCap, type FrameCapSettings } from './socket/frame-cap'
import type { EventHandler, HandlerTable } from './socket/handler-table'
import { bulky, guarded } from './socket/handler-table'
import { EVENT_COST, type NetworkLimits } from './socket/limits'
import type { TaskEntry, TaskRegistry } from './task-registry'
import { uploadHandler } from './upload-grants'

export interface ClientSocketData {
  clientId?: ClientId
  taskId?: string
  /** The identity challenge outstanding on this connection (consumed by the proof that answers it). */
  challenge?: JoinChallenge | null
}

export type ClientServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  ClientSocketData
>
export type ClientConnection = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  ClientSocketData
>

/** What a client event's handler knows of its connection. */
export interface ClientContext {
  readonly socket: ClientConnection
  /** The connection's client id once joined, else a short connection id: for log lines. */
  readonly who: string
  readonly entry: TaskEntry | undefined
  readonly now: number
}

export type ClientHandlers = HandlerTable<ClientToServerEvents, ClientContext>
type Handler<E extends keyof ClientToServerEvents> = ClientHandlers[E]

/** The socket.io room of a task's clients: broadcasts reach only them. */
export const taskRoom = (taskId: string): string => `task:${taskId}`

/** Sends to training clients by id (ids are unique across tasks). */
export class ClientDirectory {
  readonly sockets = new Map<ClientId, ClientConnection>()
  #next = 1

  nextId(): ClientId {
    return `tab-${this.#next++}`
  }

  send<E extends keyof ServerToClientEvents>(
    id: ClientId,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void {
    this.sockets.get(id)?.emit(event, ...args)
  }
}

/** Takes the connection's outstanding challenge: each is answered at most once, whatever the outcome. */
export function takeChallenge(socket: ClientConnection): JoinChallenge | null {
  const challenge = socket.data.challenge ?? null
  socket.data.challenge = null
  return challenge
}

export interface ClientGatewayDeps {
  readonly tasks: TaskRegistry
  readonly directory: ClientDirectory
  readonly chain: ChainService
  readonly he: HeContextCache | null
  readonly limits: NetworkLimits
  readonly frames: FrameCapSettings
  /** Chain transactions per address (every accepted one is a block kept for good). */
  readonly transactions: AddressBudget
}

/**
 * The training clients' events (`client:*`), one guarded handler each. Every payload is checked (schema, then bytes:
 * exact length, finite values, the sender's signature) before a federation sees it; identity is proven by a signed
 * challenge before a connection joins a task.
 */
export function clientHandlers(
  deps: ClientGatewayDeps,
): Omit<ClientHandlers, keyof import('../shared/market/protocol').MarketClientEvents> {
  const { tasks, directory, chain, he, limits, frames } = deps
  const baseCap = baseFrameCap(frames)
  const upload: Handler<'client:upload'> = uploadHandler({ tasks, chain, limits, frames })
  const joined = (c: ClientContext): Result<{ id: ClientId; task: TaskEntry }> => {
    const id = c.socket.data.clientId
    return id && c.entry ? ok({ id, task: c.entry }) : fail('not-joined', 'say client:hello first')
  }

  /** An event only a joined client may send: "not-joined" comes before any payload check. */
  const forJoined = <S extends z.ZodType, T>(
    what: string,
    schema: S,
    handle: (value: z.output<S>, id: ClientId, task: TaskEntry) => Result<T>,
    cost?: number,
  ): EventHandler<T, ClientContext> => {
    const inner = guarded(
      what,
      schema,
      (value, c: ClientContext) => {
        const client = joined(c)
        return client.ok ? handle(value, client.value.id, client.value.task) : client
      },
      cost,
    )
    const run = (payload: unknown, c: ClientContext): Result<T> | Promise<Result<T>> => {
      const client = joined(c)
      return client.ok ? inner.run(payload, c) : client
    }
    return { what, cost: inner.cost, run }
  }

  const challenge: Handler<'client:challenge'> = guarded('challenge request', noPayloadSchema, (_, c) => {
    const issued = newChallenge(c.socket.id, c.now)
    c.socket.data.challenge = issued
    return ok(issued)
  })

  const hello: Handler<'client:hello'> = guarded('hello', helloSchema, (hello, c) => {
    const { socket } = c
    if (socket.data.clientId)
      return fail('invalid-state', `this connection already joined as ${socket.data.clientId}`)
    const task = tasks.get(hello.taskId)
    if (!task) {
      const known = tasks.entries().map((e) => e.task.id)
      return fail('unknown-task', `no task "${hello.taskId}" here; tasks: ${known.join(', ')}`)
    }
    const proven = checkIdentityProof(
      takeChallenge(socket),
      'privx-join',
      task.task.id,
      hello.publicKey,
      hello.proof,
      c.now,
    )
    if (!proven.ok) return proven
    const address = addressOf(hello.publicKey)
    // A paid task that asks a stake takes only accounts that locked it (and were not slashed to nothing).
    const unstaked = joinProblem(chain.state, task.task.id, address)
    if (unstaked) return fail('forbidden', unstaked)
    if (task.participants && !task.participants.has(address)) {
      return fail(
        'forbidden',
        `task "${task.task.id}" trains only in the tab of the dataset's provider; ${address} is not it`,
      )
    }
    const id = directory.nextId()
    const { partitionIndex } = task.federation.hello(id, hello.backend, hello.publicKey, hello)
    socket.data.clientId = id
    socket.data.taskId = task.task.id
    directory.sockets.set(id, socket)
    void socket.join(taskRoom(task.task.id))
    const seed = task.task.dataset.kind === 'demo-diabetes' ? task.task.dataset.seed : 0
    const reply: HelloReply = {
      clientId: id,
      task: task.task,
      partition: { index: partitionIndex, seed },
      model: task.federation.globalMessage(),
      maxMessageBytes: task.maxMessageBytes,
      frameBytes: baseCap,
      state: task.federation.taskState(),
    }
    return ok(reply)
  })

  const update: Handler<'client:update'> = forJoined('update', updateSchema, (update, id, task) => {
    const { hash, signed } = stageTimes.time('verify', () => {
      const hash = updateHash(bytesOf(update.delta))
      return { hash, signed: signedBy(task, id, update, hash) }
    })
    if (!signed.ok) return signed
    // Signed by its sender from here: a broken update is that account's, and its round records it as rejected.
    const { round } = update
    const delta = decodeFloat32(update.delta, task.federation.parameters)
    if (!delta.ok) {
      const reason = delta.error.code === 'wrong-shape' ? 'wrong-length' : 'malformed'
      return task.federation.refuse(id, { round, updateHash: hash, reason, error: delta.error })
    }
    const bad = firstNonFinite(delta.value)
    if (bad !== -1) {
      const error = {
        code: 'non-finite' as const,
        message: `delta value ${bad} is ${delta.value[bad]}; updates must be finite`,
      }
      return task.federation.refuse(id, { round, updateHash: hash, reason: 'non-finite', error })
    }
    return task.federation.submit(id, update, { kind: 'plain', delta: delta.value }, hash)
  })

  const encryptedUpdate: Handler<'client:encrypted-update'> = forJoined(
    'encrypted update',
    encryptedUpdateSchema,
    (update, id, task) => {
      const ciphertexts = update.ciphertexts.map(bytesOf)
      const hash = ciphertextsHash(ciphertexts)
      const signed = signedBy(task, id, update, hash)
      if (!signed.ok) return signed
      return task.federation.submit(id, update, { kind: 'encrypted', keyId: update.keyId, ciphertexts }, hash)
    },
  )

  return {
    'client:challenge': challenge,
    'client:tasks': guarded('task list request', noPayloadSchema, () => ok(tasks.listings())),
    'client:upload': upload,
    'client:hello': hello,
    'client:ready': forJoined('ready', readySchema, (ready, id, task) =>
      task.federation.ready(id, ready.trainExamples),
    ),
    'client:progress': forJoined('progress', progressSchema, (report, id, task) => {
      task.federation.progress(id, report.round, report.fraction)
      return ok(null)
    }),
    'client:decline': forJoined('decline', declineSchema, (report, id, task) =>
      task.federation.decline(id, report.round, report.reason),
    ),
    'client:update': bulky(update),
    'client:encrypted-update': encryptedUpdate,
    'client:he-key': forJoined('key confirmation', heKeySchema, (request, id, task) =>
      request.failed === undefined
        ? task.federation.keyStored(id, request.keyId)
        : task.federation.custody.failed(id, request.keyId, request.failed),
    ),
    'client:replay': forJoined(
      'replay request',
      replayRequestSchema,
      (request, _id, task) => task.federation.encryption.replay(request.after),
      EVENT_COST.replay,
    ),
    'client:he-checkpoint': forJoined(
      'checkpoint',
      checkpointUploadSchema,
      (upload, id, task) => task.federation.encryption.offerCheckpoint(id, upload),
      EVENT_COST.replay,
    ),
    'client:he-checkpoint-verdict': forJoined(
      'checkpoint verdict',
      checkpointVerdictSchema,
      (report, id, task) => task.federation.encryption.checkpointVerdict(id, report),
    ),
    'client:he-envelope': forJoined('key envelope', heEnvelopeSchema, (request, id, task) =>
      task.federation.encryption.relay(id, request.keyId, request.recipient, request.envelope),
    ),
    // Private inference is open to any connection: the features stay encrypted under the caller's own key.
    'client:infer': bulky(
      guarded(
        'inference request',
        inferenceRequestSchema,
        (request) => {
          const task = tasks.get(request.taskId)
          if (!task) return fail('unknown-task', `no task "${request.taskId}" here`)
          if (!he) return fail('invalid-state', 'this coordinator has no HE runtime (node-seal did not load)')
          const global = task.federation.global
          return servePrivateInference(
            he,
            task.task,
            { version: global.version, weights: global.weights, inClear: task.federation.modelInClear },
            request,
          )
        },
        EVENT_COST.inference,
      ),
    ),
    'client:evaluation': forJoined('evaluation', evaluationSchema, (report, id, task) =>
      // After an encrypted round only the key holders hold the model: anyone else's score of it is made up.
      !task.federation.modelInClear && !task.federation.custody.holds(id)
        ? fail(
            'forbidden',
            `${id} does not hold the task's key, so it cannot have evaluated the encrypted model`,
          )
        : task.federation.evaluation(id, report),
    ),
    'client:statistics': forJoined('statistics', statisticsReportSchema, (report, id, task) =>
      task.federation.statistics(id, report),
    ),
    // The chain is open to anyone connected, joined to a task or not.
    'client:transaction': guarded(
      'transaction',
      transactionSchema,
      async (tx, c) =>
        (await deps.transactions.take(c.socket)) ?? chain.submit(tx as unknown as SignedTransaction),
      EVENT_COST.transaction,
    ),
    'client:account': guarded('account request', accountRequestSchema, (request) => {
      const account = accountOf(chain.state, request.address)
      const stake = request.taskId && stakeView(chain.state, request.taskId, request.address)
      return ok({
        chainId: chain.chainId,
        address: request.address,
        ...account,
        faucetAmount: chain.state.faucetAmount,
        ...(stake ? { stake } : {}),
      })
    }),
  }
}

/**
 * Checks that an update is signed by the key its sender joined with (SEAL ciphertexts and float bytes alike carry no
 * authentication of their own).
 */
function signedBy(
  task: TaskEntry,
  id: ClientId,
  update: { readonly signature: string; readonly round: number },
  hash: string,
): Result<null> {
  const publicKey = task.federation.publicKeyOf(id)
  if (publicKey && verifyUpdateSignature(publicKey, update.signature, task.task.id, update.round, hash))
    return ok(null)
  return fail('unauthorized', `the update's signature does not match ${id}'s key`)
}

/** The context of a client event: its connection and the task it joined. */
export function clientContext(tasks: TaskRegistry, socket: ClientConnection): ClientContext {
  const entry = socket.data.taskId ? tasks.get(socket.data.taskId) : undefined
  return {
    socket,
    who: socket.data.clientId ?? `connection ${socket.id.slice(0, 6)}`,
    entry,
    now: Date.now(),
  }
}

/**
 * What happens when a client connection closes: its tab leaves its task; a connection cut by the transport (a frame
 * over the cap, bytes that do not parse) is logged with the cap that applied.
 */
export function clientDisconnected(
  socket: ClientConnection,
  reason: string,
  description: unknown,
  context: ClientContext,
  log: EventLog,
  directory: ClientDirectory,
  frameCap: () => number,
): string | null {
  let refusal: string | null = null
  if (reason === 'transport error' || reason === 'parse error') {
    const detail = description instanceof Error ? description.message : ''
    refusal = /payload|too large|max/i.test(detail) ? 'frame-too-large' : reason.replace(' ', '-')
    const logFor = context.entry?.federation.log ?? log
    logFor.add(
      'error',
      `connection of ${context.who} closed by a ${reason}${detail ? ` (${detail})` : ''}; frames are limited to ${frameCap()} bytes`,
    )
  }
  const id = socket.data.clientId
  if (id) {
    directory.sockets.delete(id)
    context.entry?.federation.leave(id, reason)
  }
  return refusal
}
