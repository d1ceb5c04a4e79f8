import type { z } from 'zod'
import { parsePayload } from '../../shared/guards'
import type { Ack } from '../../shared/protocol'
import type { Result } from '../../shared/result'

// biome-ignore lint/suspicious/noExplicitAny: matches any ack callback
type AckArgument<F> = F extends (...args: infer A) => void ? Extract<A[number], (result: any) => void> : never

/** What an event's ack carries on success; null for events sent without an ack (progress reports). */
export type AckValueOf<F> = [AckArgument<F>] extends [never]
  ? null
  : AckArgument<F> extends Ack<infer T>
    ? T
    : never

/** One event's guard and handler: the payload is checked by `schema` before `handle` sees it. */
export interface EventHandler<T, C> {
  /** The payload's name in refusals ("invalid hello: taskId: ..."). */
  readonly what: string
  /** Rate-limit units this event costs (1 for most; see `EVENT_COST`). */
  readonly cost: number
  /** Carries a large frame under an upload grant: the grant ends once this event is handled. */
  readonly bulky?: boolean
  /** Never throws out: the dispatcher catches, logs and answers `invalid-state` (a rejected promise too). */
  run(payload: unknown, context: C): Result<T> | Promise<Result<T>>
}

/**
 * One handler for every event of an event map, so a new event cannot be added to the protocol without its guard
 * (the mapped type makes a missing entry a compile error).
 */
export type HandlerTable<Events, C> = {
  readonly [E in keyof Events & string]: EventHandler<AckValueOf<Events[E]>, C>
}

/** A table entry whose payload is parsed with `schema` before `handle` runs. */
export function guarded<S extends z.ZodType, T, C>(
  what: string,
  schema: S,
  handle: (value: z.output<S>, context: C) => Result<T> | Promise<Result<T>>,
  cost = 1,
): EventHandler<T, C> {
  return {
    what,
    cost,
    run(payload, context) {
      const parsed = parsePayload(schema as z.ZodType<z.output<S>>, payload, what)
      return parsed.ok ? handle(parsed.value, context) : parsed
    },
  }
}

/** The same handler, marked as carrying a large frame (its upload grant ends once it is handled). */
export const bulky = <T, C>(handler: EventHandler<T, C>): EventHandler<T, C> => ({ ...handler, bulky: true })
