import type { Server, Socket } from 'socket.io'
import { addressOf } from '../shared/chain/keys'
import { transactionSchema } from '../shared/chain/schema'
import { accountOf } from '../shared/chain/state'
import type { SignedTransaction } from '../shared/chain/transaction'
import { updateHash, verifyUpdateSignature } from '../shared/chain/update-signature'
import { bytesOf, decodeFloat32, firstNonFinite } from '../shared/codec'
import {
  accountRequestSchema,
  encryptedUpdateSchema,
  evaluationSchema,
  heEnvelopeSchema,
  heKeySchema,
  helloSchema,
  inferenceRequestSchema,
  parsePayload,
  progressSchema,
  readySchema,
  statisticsReportSchema,
  updateSchema,
} from '../shared/guards'
import type { HeContextCache } from '../shared/he/context-cache'
import { ciphertextsHash } from '../shared/he/wire'
import type { Ack, ClientToServerEvents, HelloReply, ServerToClientEvents } from '../shared/protocol'
import { fail, ok, type Result } from '../shared/result'
import type { ClientId } from '../shared/rounds/state'
import type { ChainService } from './chain/chain-service'
import type { EventLog } from './event-log'
import { servePrivateInference } from './he/private-inference'
import type { TaskEntry, TaskRegistry } from './task-registry'

export interface ClientSocketData {
  clientId?: ClientId
  taskId?: string
}

export type ClientServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  ClientSocketData
>
type ClientConnection = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  ClientSocketData
>

const KNOWN_EVENTS = new Set([
  'client:tasks',
  'client:hello',
  'client:ready',
  'client:progress',
  'client:update',
  'client:evaluation',
  'client:statistics',
  'client:transaction',
  'client:account',
  'client:encrypted-update',
  'client:he-key',
  'client:he-envelope',
  'client:infer',
  'market:search',
  'market:dataset',
  'market:statistics',
  'market:wallet',
  'market:deliver',
  'market:delivery',
  'market:model',
])

/**
 * Checks that an update is signed by the key its sender joined with (SEAL ciphertexts and float bytes alike carry no
 * authentication of their own); a mismatch is refused and logged on the task's page.
 */
function signedBy(
  task: TaskEntry,
  id: ClientId,
  update: { readonly signature: string; readonly round: number },
  hash: string,
  what: string,
): Result<null> {
  const publicKey = task.federation.publicKeyOf(id)
  if (publicKey && verifyUpdateSignature(publicKey, update.signature, task.task.id, update.round, hash))
    return ok(null)
  const error = {
    code: 'unauthorized',
    message: `the update's signature does not match ${id}'s key`,
  } as const
  task.federation.reject(id, what, error)
  return fail(error.code, error.message)
}

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

/**
 * Wires training clients to their task's federation. Every payload is checked (schema, then bytes: exact length,
 * finite values) before a federation sees it; every refusal goes back in the ack and onto the live page's event
 * log. A handler that throws is logged and answered, never allowed to take the coordinator down.
 */
export function attachClientGateway(
  io: ClientServer,
  tasks: TaskRegistry,
  directory: ClientDirectory,
  log: EventLog,
  chain: ChainService,
  he: HeContextCache | null = null,
): void {
  io.on('connection', (socket) => {
    const who = (): string => socket.data.clientId ?? `connection ${socket.id.slice(0, 6)}`
    const entry = (): TaskEntry | undefined =>
      socket.data.taskId ? tasks.get(socket.data.taskId) : undefined
    const logFor = (): EventLog => entry()?.federation.log ?? log
    const answer = <T>(ack: unknown, what: string, work: () => Result<T>): void => {
      let result: Result<T>
      try {
        result = work()
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        logFor().add('error', `${what} from ${who()} failed inside the coordinator: ${message}`)
        result = fail('invalid-state', `the coordinator could not process this ${what}`)
      }
      if (!result.ok && ['bad-payload', 'unknown-task', 'not-joined'].includes(result.error.code)) {
        const federation = entry()?.federation
        if (federation) federation.reject(socket.data.clientId ?? null, what, result.error)
        else
          log.add('warning', `${what} from ${who()} rejected (${result.error.code}): ${result.error.message}`)
      }
      if (typeof ack === 'function') (ack as Ack<T>)(result)
      else if (what !== 'progress')
        logFor().add('warning', `${what} from ${who()} came without an ack callback`)
    }
    const joined = (): Result<{ id: ClientId; task: TaskEntry }> => {
      const id = socket.data.clientId
      const task = entry()
      return id && task ? ok({ id, task }) : fail('not-joined', 'say client:hello first')
    }

    socket.onAny((event: string) => {
      if (!KNOWN_EVENTS.has(event))
        logFor().add('warning', `unknown event "${event.slice(0, 40)}" from ${who()} ignored`)
    })

    socket.on('client:tasks', (ack) => answer(ack, 'task list request', () => ok(tasks.listings())))

    socket.on('client:hello', (payload, ack) =>
      answer(ack, 'hello', () => {
        const hello = parsePayload(helloSchema, payload, 'hello')
        if (!hello.ok) return hello
        if (socket.data.clientId)
          return fail('invalid-state', `this connection already joined as ${socket.data.clientId}`)
        const task = tasks.get(hello.value.taskId)
        if (!task) {
          const known = tasks.entries().map((e) => e.task.id)
          return fail('unknown-task', `no task "${hello.value.taskId}" here; tasks: ${known.join(', ')}`)
        }
        if (task.participants && !task.participants.has(addressOf(hello.value.publicKey))) {
          return fail(
            'forbidden',
            `task "${task.task.id}" trains only in the tab of the dataset's provider; ${addressOf(hello.value.publicKey)} is not it`,
          )
        }
        const id = directory.nextId()
        const { partitionIndex } = task.federation.hello(
          id,
          hello.value.backend,
          hello.value.publicKey,
          hello.value.envelopeKey,
        )
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
        }
        return ok(reply)
      }),
    )

    socket.on('client:ready', (payload, ack) =>
      answer(ack, 'ready', () => {
        const client = joined()
        if (!client.ok) return client
        const ready = parsePayload(readySchema, payload, 'ready')
        return ready.ok
          ? client.value.task.federation.ready(client.value.id, ready.value.trainExamples)
          : ready
      }),
    )

    socket.on('client:progress', (payload) =>
      answer(undefined, 'progress', () => {
        const client = joined()
        if (!client.ok) return client
        const report = parsePayload(progressSchema, payload, 'progress')
        if (report.ok)
          client.value.task.federation.progress(client.value.id, report.value.round, report.value.fraction)
        return report
      }),
    )

    socket.on('client:update', (payload, ack) =>
      answer(ack, 'update', () => {
        const client = joined()
        if (!client.ok) return client
        const { id, task } = client.value
        const update = parsePayload(updateSchema, payload, 'update')
        if (!update.ok) return update
        const delta = decodeFloat32(update.value.delta, task.federation.parameters)
        if (!delta.ok) {
          task.federation.reject(id, 'update', delta.error)
          return delta
        }
        const bytes = update.value.delta
        const hash = updateHash(
          bytes instanceof ArrayBuffer
            ? new Uint8Array(bytes)
            : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        )
        const signed = signedBy(task, id, update.value, hash, 'update')
        if (!signed.ok) return signed
        const bad = firstNonFinite(delta.value)
        if (bad !== -1) {
          const error = {
            code: 'non-finite',
            message: `delta value ${bad} is ${delta.value[bad]}; updates must be finite`,
          } as const
          task.federation.reject(id, 'update', error)
          return fail(error.code, error.message)
        }
        return task.federation.submitUpdate(id, update.value, delta.value, hash)
      }),
    )

    socket.on('client:encrypted-update', (payload, ack) =>
      answer(ack, 'encrypted update', () => {
        const client = joined()
        if (!client.ok) return client
        const { id, task } = client.value
        const update = parsePayload(encryptedUpdateSchema, payload, 'encrypted update')
        if (!update.ok) return update
        const ciphertexts = update.value.ciphertexts.map(bytesOf)
        const hash = ciphertextsHash(ciphertexts)
        const signed = signedBy(task, id, update.value, hash, 'encrypted update')
        if (!signed.ok) return signed
        return task.federation.submitEncryptedUpdate(id, update.value, ciphertexts, hash)
      }),
    )

    socket.on('client:he-key', (payload, ack) =>
      answer(ack, 'key confirmation', () => {
        const client = joined()
        if (!client.ok) return client
        const request = parsePayload(heKeySchema, payload, 'key confirmation')
        return request.ok
          ? client.value.task.federation.keyStored(client.value.id, request.value.keyId)
          : request
      }),
    )

    socket.on('client:he-envelope', (payload, ack) =>
      answer(ack, 'key envelope', () => {
        const client = joined()
        if (!client.ok) return client
        const request = parsePayload(heEnvelopeSchema, payload, 'key envelope')
        if (!request.ok) return request
        const { keyId, recipient, envelope } = request.value
        return client.value.task.federation.relayEnvelope(client.value.id, keyId, recipient, envelope)
      }),
    )

    // Private inference is open to any connection: the features stay encrypted under the caller's own key.
    socket.on('client:infer', (payload, ack) =>
      answer(ack, 'inference request', () => {
        const request = parsePayload(inferenceRequestSchema, payload, 'inference request')
        if (!request.ok) return request
        const task = tasks.get(request.value.taskId)
        if (!task) return fail('unknown-task', `no task "${request.value.taskId}" here`)
        if (!he) return fail('invalid-state', 'this coordinator has no HE runtime (node-seal did not load)')
        const global = task.federation.global
        return servePrivateInference(
          he,
          task.task,
          { version: global.version, weights: global.weights, inClear: task.federation.modelInClear },
          request.value,
        )
      }),
    )

    socket.on('client:evaluation', (payload, ack) =>
      answer(ack, 'evaluation', () => {
        const client = joined()
        if (!client.ok) return client
        const report = parsePayload(evaluationSchema, payload, 'evaluation')
        return report.ok ? client.value.task.federation.evaluation(client.value.id, report.value) : report
      }),
    )

    socket.on('client:statistics', (payload, ack) =>
      answer(ack, 'statistics', () => {
        const client = joined()
        if (!client.ok) return client
        const report = parsePayload(statisticsReportSchema, payload, 'statistics')
        return report.ok ? client.value.task.federation.statistics(client.value.id, report.value) : report
      }),
    )

    // The chain is open to anyone connected, joined to a task or not.
    socket.on('client:transaction', (payload, ack) =>
      answer(ack, 'transaction', () => {
        const tx = parsePayload(transactionSchema, payload, 'transaction')
        return tx.ok ? chain.submit(tx.value as unknown as SignedTransaction) : tx
      }),
    )

    socket.on('client:account', (payload, ack) =>
      answer(ack, 'account request', () => {
        const request = parsePayload(accountRequestSchema, payload, 'account request')
        if (!request.ok) return request
        const account = accountOf(chain.state, request.value.address)
        return ok({
          chainId: chain.chainId,
          address: request.value.address,
          ...account,
          faucetAmount: chain.state.faucetAmount,
        })
      }),
    )

    socket.on('disconnect', (reason, description) => {
      if (reason === 'transport error' || reason === 'parse error') {
        const detail = description instanceof Error ? description.message : ''
        const limit = entry()
          ? `; messages for this task are limited to ${entry()!.maxMessageBytes} bytes`
          : ''
        logFor().add(
          'error',
          `connection of ${who()} closed by a ${reason}${detail ? ` (${detail})` : ''}${limit}`,
        )
      }
      const id = socket.data.clientId
      if (!id) return
      directory.sockets.delete(id)
      entry()?.federation.leave(id, reason)
    })
  })
}
