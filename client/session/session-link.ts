import type { ClientToServerEvents } from '../../shared/protocol'
import type { Result } from '../../shared/result'
import type { ClientSocket } from './client-socket'
import {
  type RequestError,
  type RequestEvent,
  type RequestPayload,
  type RequestReply,
  request,
  unanswered,
} from './request'
import type { SessionState } from './session-state'

type SessionEvent = RequestEvent<ClientToServerEvents>

/** Ack wait of a session's requests (a large update may queue for an upload slot). */
const ACK_TIMEOUT_MS = 30_000

/**
 * A session's requests to the coordinator: each waits for its ack, retries a rate-limited refusal, and turns a
 * refusal or a missing answer into a notice. Once stopped, nothing more is retried or reported.
 */
export class SessionLink {
  readonly #stop = new AbortController()

  constructor(
    readonly socket: ClientSocket,
    private readonly state: SessionState,
  ) {}

  get stopped(): boolean {
    return this.#stop.signal.aborted
  }

  stop(): void {
    this.#stop.abort()
  }

  /** The answer's value; undefined when refused (noticed) or unanswered (noticed unless stopped). */
  async ask<E extends SessionEvent>(
    event: E,
    payload: RequestPayload<ClientToServerEvents, E>,
  ): Promise<RequestReply<ClientToServerEvents, E> | undefined> {
    const result = await this.result(event, payload)
    if (result.ok) return result.value
    const { error } = result
    if (!unanswered(error)) this.state.notice('error', `${event} refused (${error.code}): ${error.message}`)
    else if (!this.stopped) this.state.notice('error', `${event}: ${error.message}`)
    return undefined
  }

  /** The answer or the refusal, for a caller that acts on the refusal's code; nothing is noticed. */
  result<E extends SessionEvent>(
    event: E,
    payload: RequestPayload<ClientToServerEvents, E>,
  ): Promise<Result<RequestReply<ClientToServerEvents, E>, RequestError>> {
    return request(this.socket, event, payload, {
      timeoutMs: ACK_TIMEOUT_MS,
      // Over the coordinator's per-connection event rate (fast rounds on a small model can get there): wait and
      // send again rather than lose an update its round is waiting for.
      retryRateLimited: true,
      signal: this.#stop.signal,
    })
  }
}
