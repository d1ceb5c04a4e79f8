import type { Server, Socket } from 'socket.io'
import { decodeFloat32, firstNonFinite } from '../shared/codec'
import {
  evaluationSchema,
  helloSchema,
  parsePayload,
  progressSchema,
  readySchema,
  updateSchema,
} from '../shared/guards'
import type { Ack, ClientToServerEvents, HelloReply, ServerToClientEvents } from '../shared/protocol'
import { fail, ok, type Result } from '../shared/result'
import type { ClientId } from '../shared/rounds/state'
import type { Federation, FederationOutbox } from './federation'

export interface ClientSocketData {
  clientId?: ClientId
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
  'client:hello',
  'client:ready',
  'client:progress',
  'client:update',
  'client:evaluation',
])

/** Sends to training clients by id; the dashboard's `changed` is wired in by the server. */
export class ClientOutbox implements Omit<FederationOutbox, 'changed'> {
  readonly sockets = new Map<ClientId, ClientConnection>()

  constructor(private readonly io: ClientServer) {}

  toClient<E extends keyof ServerToClientEvents>(
    id: ClientId,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void {
    this.sockets.get(id)?.emit(event, ...args)
  }

  toAll<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.emit(event, ...args)
  }
}

/**
 * Wires training clients to the federation. Every payload is checked (schema, then bytes: exact length, finite
 * values) before the federation sees it; every refusal goes back in the ack and onto the live page's event log.
 * A handler that throws is logged and answered, never allowed to take the coordinator down.
 */
export function attachClientGateway(
  io: ClientServer,
  federation: Federation,
  outbox: ClientOutbox,
  limits: { maxMessageBytes: number },
): void {
  io.on('connection', (socket) => {
    const who = (): string | null => socket.data.clientId ?? null
    const answer = <T>(ack: unknown, what: string, work: () => Result<T>): void => {
      let result: Result<T>
      try {
        result = work()
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        federation.log.add(
          'error',
          `${what} from ${who() ?? socket.id} failed inside the coordinator: ${message}`,
        )
        result = fail('invalid-state', `the coordinator could not process this ${what}`)
      }
      if (!result.ok && result.error.code === 'bad-payload') federation.reject(who(), what, result.error)
      if (typeof ack === 'function') (ack as Ack<T>)(result)
      else if (what !== 'progress')
        federation.log.add('warning', `${what} from ${who() ?? socket.id} came without an ack callback`)
    }
    const joined = (): Result<ClientId> => {
      const id = who()
      return id ? ok(id) : fail('not-joined', 'say client:hello first')
    }

    socket.onAny((event: string) => {
      if (!KNOWN_EVENTS.has(event))
        federation.log.add('warning', `unknown event "${event}" from ${who() ?? socket.id} ignored`)
    })

    socket.on('client:hello', (payload, ack) =>
      answer(ack, 'hello', () => {
        const hello = parsePayload(helloSchema, payload, 'hello')
        if (!hello.ok) return hello
        if (socket.data.clientId)
          return fail('invalid-state', `this connection already joined as ${socket.data.clientId}`)
        const { id, partitionIndex } = federation.hello(hello.value.backend)
        socket.data.clientId = id
        outbox.sockets.set(id, socket)
        const reply: HelloReply = {
          clientId: id,
          task: federation.task,
          partition: { index: partitionIndex, seed: federation.task.dataset.seed },
          model: federation.globalMessage(),
          maxMessageBytes: limits.maxMessageBytes,
        }
        return ok(reply)
      }),
    )

    socket.on('client:ready', (payload, ack) =>
      answer(ack, 'ready', () => {
        const id = joined()
        if (!id.ok) return id
        const ready = parsePayload(readySchema, payload, 'ready')
        return ready.ok ? federation.ready(id.value, ready.value.trainExamples) : ready
      }),
    )

    socket.on('client:progress', (payload) =>
      answer(undefined, 'progress', () => {
        const id = joined()
        if (!id.ok) return id
        const report = parsePayload(progressSchema, payload, 'progress')
        if (report.ok) federation.progress(id.value, report.value.round, report.value.fraction)
        return report
      }),
    )

    socket.on('client:update', (payload, ack) =>
      answer(ack, 'update', () => {
        const id = joined()
        if (!id.ok) return id
        const update = parsePayload(updateSchema, payload, 'update')
        if (!update.ok) return update
        const delta = decodeFloat32(update.value.delta, federation.parameters)
        if (!delta.ok) {
          federation.reject(id.value, 'update', delta.error)
          return delta
        }
        const bad = firstNonFinite(delta.value)
        if (bad !== -1) {
          const error = {
            code: 'non-finite',
            message: `delta value ${bad} is ${delta.value[bad]}; updates must be finite`,
          } as const
          federation.reject(id.value, 'update', error)
          return fail(error.code, error.message)
        }
        return federation.submitUpdate(id.value, update.value, delta.value)
      }),
    )

    socket.on('client:evaluation', (payload, ack) =>
      answer(ack, 'evaluation', () => {
        const id = joined()
        if (!id.ok) return id
        const report = parsePayload(evaluationSchema, payload, 'evaluation')
        return report.ok ? federation.evaluation(id.value, report.value) : report
      }),
    )

    socket.on('disconnect', (reason, description) => {
      const id = who()
      if (reason === 'transport error' || reason === 'parse error') {
        const detail = description instanceof Error ? description.message : ''
        const limit = `messages are limited to ${limits.maxMessageBytes} bytes`
        federation.log.add(
          'error',
          `connection of ${id ?? socket.id} closed by a ${reason}${detail ? ` (${detail})` : ''}; ${limit}`,
        )
      }
      if (!id) return
      outbox.sockets.delete(id)
      federation.leave(id, reason)
    })
  })
}
