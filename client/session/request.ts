import type { Socket } from 'socket.io-client'
import { errorMessage } from '../../shared/errors'
import type { Ack } from '../../shared/protocol'
import type { ProtocolError, Result } from '../../shared/result'

/**
 * What an event of map `M` asks and answers, read from its declaration: `(payload: P, ack: Ack<T>) => void` asks P
 * and answers T; `(ack: Ack<T>) => void` asks nothing (payload `undefined`, nothing sent). `never` for events with
 * no ack.
 */
type Exchange<F> = F extends (...args: infer A) => void
  ? A extends [Ack<infer T>]
    ? { readonly payload: undefined; readonly reply: T }
    : A extends [infer P, Ack<infer T>]
      ? { readonly payload: P; readonly reply: T }
      : never
  : never

/** The events of `M` that are answered through an ack (the ones `request` can send). */
export type RequestEvent<M> = {
  [E in keyof M]: [Exchange<M[E]>] extends [never] ? never : E
}[keyof M] &
  string

/** The payload of request `E`: the first parameter of its declaration (`undefined` when it takes only the ack). */
export type RequestPayload<M, E extends keyof M> = Exchange<M[E]>['payload']

/** The value a successful answer to `E` carries: `T` of its `Ack<T>`. */
export type RequestReply<M, E extends keyof M> = Exchange<M[E]>['reply']

/**
 * Why a request has no value: the peer's refusal (its `code` and `message`, as sent), or no answer at all (a
 * timeout, a cancelled request), where `code` is `invalid-state`, the message says "no answer from the coordinator
 * (…)" and `cause` holds what was thrown.
 */
export type RequestError = ProtocolError & { readonly cause?: unknown }

/** Whether the request was never answered (as opposed to refused): then `error.cause` says why. */
export const unanswered = (error: RequestError): boolean => 'cause' in error

export interface RequestOptions {
  /** How long to wait for the ack; default {@link REQUEST_TIMEOUT_MS}. */
  readonly timeoutMs?: number
  /**
   * Send again after {@link RATE_LIMIT_RETRY_DELAYS_MS} when the answer is a `rate-limited` refusal (the
   * coordinator's event budget renews each second), as an HTTP client does after a 429. Default true; pass false
   * for a request whose refusal asks for a longer wait (a chain re-verification: once a minute), so it comes back
   * at once.
   */
  readonly retryRateLimited?: boolean
  /** Stops waiting between retries: the request then ends unanswered, with the signal's reason as `cause`. */
  readonly signal?: AbortSignal
}

export const REQUEST_TIMEOUT_MS = 30_000

/** The waits before each retry of a rate-limited request: 0.5 s, 1 s, 1.5 s. */
export const RATE_LIMIT_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 1500]

/**
 * Sends `event` with `payload` and waits for its ack: the answer as a `Result`, never a rejection. Typed against
 * the socket's emit map (`ClientToServerEvents` for a training or market socket, `DashboardClientEvents` for the
 * coordinator page), so a wrong payload or a misread reply does not compile.
 */
export function request<L extends EventMap<L>, M extends EventMap<M>, E extends RequestEvent<M>>(
  socket: Socket<L, M>,
  event: E,
  payload: RequestPayload<M, E>,
  options?: RequestOptions,
): Promise<Result<RequestReply<M, E>, RequestError>>
export async function request(
  socket: Socket,
  event: string,
  payload: unknown,
  options: RequestOptions = {},
): Promise<Result<unknown, RequestError>> {
  const { timeoutMs = REQUEST_TIMEOUT_MS, retryRateLimited = true, signal } = options
  const send = async (): Promise<Result<unknown, RequestError>> => {
    try {
      const withTimeout = socket.timeout(timeoutMs)
      return payload === undefined
        ? await withTimeout.emitWithAck(event)
        : await withTimeout.emitWithAck(event, payload)
    } catch (error) {
      return noAnswer(error)
    }
  }
  let result = await send()
  const delays = retryRateLimited ? RATE_LIMIT_RETRY_DELAYS_MS : []
  for (const delay of delays) {
    if (result.ok || result.error.code !== 'rate-limited') break
    await new Promise((resolve) => setTimeout(resolve, delay))
    if (signal?.aborted) return noAnswer(signal.reason)
    result = await send()
  }
  return result
}

/** An event map as socket.io declares one: each event a function of its arguments. */
type EventMap<T> = { [K in keyof T]: (...args: never[]) => void }

const noAnswer = (cause: unknown): Result<never, RequestError> => ({
  ok: false,
  error: { code: 'invalid-state', message: `no answer from the coordinator (${errorMessage(cause)})`, cause },
})
