import { RateLimiterMemory } from 'rate-limiter-flexible'
import type { Socket } from 'socket.io'
import type { Ack, Notice } from '../../shared/protocol'
import { fail, type ProtocolError, type Result } from '../../shared/result'
import { grantOf } from './frame-allowance'
import type { EventHandler } from './handler-table'
import type { NetworkLimits } from './limits'
import type { RefusalCounter } from './refusals'

/** Unknown-event warnings logged per connection before they are only counted (a flood must not fill the log). */
const LOGGED_UNKNOWN_EVENTS = 3

export interface DispatchSettings<C> {
  readonly table: { readonly [event: string]: EventHandler<unknown, C> }
  readonly context: (socket: Socket) => C
  readonly limits: NetworkLimits
  readonly refusals: RefusalCounter
  readonly log: (socket: Socket, level: Notice['level'], text: string) => void
  /** Also told of every refused event with the socket's context (a task's federation records its own). */
  readonly onRefused?: (context: C, what: string, error: ProtocolError) => void
}

/**
 * Serves a namespace's events from one table. Every packet a peer sends passes here first (socket.io middleware,
 * which sees raw packets: an event name of any type, any arguments): a name that is not a string or not in the
 * table is refused and counted; each connection spends from a per-second event budget (rate-limiter-flexible),
 * and a connection that keeps sending past it is closed; the payload goes through the event's guard; the handler
 * runs inside a catch, and its result (or the refusal) goes back in the ack when there is one. Nothing a peer sends
 * can throw out of here.
 */
export function dispatchEvents<C>(socket: Socket, settings: DispatchSettings<C>): void {
  const { table, limits, refusals } = settings
  const limiter = budgetOf(limits)
  let refusedInWindow = 0
  let windowStart = Date.now()
  let unknownLogged = 0

  const refuse = (reason: string, ack: Ack<unknown> | null, error: ProtocolError | null): void => {
    refusals.count(reason)
    if (ack && error) ack({ ok: false, error })
    const now = Date.now()
    if (now - windowStart > limits.abuseWindowSeconds * 1000) {
      windowStart = now
      refusedInWindow = 0
    }
    if (++refusedInWindow === limits.abuseThreshold) {
      refusals.count('abuse-disconnect')
      settings.log(
        socket,
        'warning',
        `connection ${socket.id.slice(0, 6)} closed: ${limits.abuseThreshold} refused events within ${limits.abuseWindowSeconds} s`,
      )
      socket.disconnect(true)
    }
  }

  const failed = (handler: EventHandler<unknown, C>, error: unknown): Result<never> => {
    const message = error instanceof Error ? error.message : String(error)
    settings.log(socket, 'error', `${handler.what} failed inside the coordinator: ${message}`)
    return fail('invalid-state', `the coordinator could not process this ${handler.what}`)
  }

  const answer = (
    name: string,
    handler: EventHandler<unknown, C>,
    context: C | undefined,
    result: Result<unknown>,
    ack: Ack<unknown> | null,
  ): void => {
    try {
      if (handler.bulky) grantOf(socket)?.release()
      if (!result.ok) {
        refuse(result.error.code, null, null)
        if (context !== undefined) settings.onRefused?.(context, handler.what, result.error)
      }
      if (ack) ack(result)
      else if (!result.ok && name !== 'client:progress')
        settings.log(
          socket,
          'warning',
          `${handler.what} refused (${result.error.code}): ${result.error.message}`,
        )
    } catch (error) {
      // Answering must not throw out either (a rejected promise would end the process).
      console.error(`privx: answering ${handler.what} failed: ${String(error)}`)
    }
  }

  const run = (
    name: string,
    handler: EventHandler<unknown, C>,
    payload: unknown,
    ack: Ack<unknown> | null,
  ) => {
    if (!socket.connected) return
    let context: C | undefined
    let outcome: Result<unknown> | Promise<Result<unknown>>
    try {
      context = settings.context(socket)
      outcome = handler.run(payload, context)
    } catch (error) {
      outcome = failed(handler, error)
    }
    if (outcome instanceof Promise)
      outcome.then(
        (result) => answer(name, handler, context, result, ack),
        (error: unknown) => answer(name, handler, context, failed(handler, error), ack),
      )
    else answer(name, handler, context, outcome, ack)
  }

  // A packet socket.io itself cannot decode closes the connection; counted here instead of printed to stderr.
  socket.on('error', () => refusals.count('bad-packet'))

  socket.use((packet, _next) => {
    // `_next` is never called: the table is the only way an event reaches a handler.
    try {
      const args: unknown[] = Array.isArray(packet) ? [...packet] : []
      const last = args.at(-1)
      const ack = args.length > 1 && typeof last === 'function' ? (args.pop() as Ack<unknown>) : null
      const [name, ...rest] = args
      if (typeof name !== 'string') {
        refuse('bad-event-name', ack, { code: 'bad-payload', message: 'an event name must be a string' })
        return
      }
      if (!Object.hasOwn(table, name)) {
        if (unknownLogged++ < LOGGED_UNKNOWN_EVENTS)
          settings.log(
            socket,
            'warning',
            `unknown event "${name.slice(0, 40)}" from ${socket.id.slice(0, 6)} refused`,
          )
        refuse('unknown-event', ack, { code: 'bad-payload', message: `no event "${name.slice(0, 40)}" here` })
        return
      }
      const handler = table[name]!
      if (rest.length > 1) {
        refuse('bad-payload', ack, {
          code: 'bad-payload',
          message: `${name} takes one payload and an ack; ${rest.length} arguments came`,
        })
        return
      }
      limiter
        .consume(socket.id, handler.cost)
        .then(
          () => run(name, handler, rest[0], ack),
          // Every refused event is answered (a client waiting on its ack must not hang); a connection that keeps
          // sending past its budget is closed at the abuse threshold.
          () =>
            refuse('rate-limited', ack, {
              code: 'rate-limited',
              message: `more than ${limits.eventsPerSecond} events a second from this connection; slow down`,
            }),
        )
        .catch((error: unknown) => console.error(`privx: dispatching ${name} failed: ${String(error)}`))
    } catch (error) {
      settings.log(
        socket,
        'error',
        `a packet from ${socket.id.slice(0, 6)} could not be read: ${String(error)}`,
      )
    }
  })
}

/** One event budget per connection: `eventsPerSecond` points a second, keyed by the connection id. */
const budgets = new WeakMap<NetworkLimits, RateLimiterMemory>()
function budgetOf(limits: NetworkLimits): RateLimiterMemory {
  let limiter = budgets.get(limits)
  if (!limiter) {
    limiter = new RateLimiterMemory({ points: limits.eventsPerSecond, duration: 1 })
    budgets.set(limits, limiter)
  }
  return limiter
}
