import type { Socket } from 'socket.io-client'
import { request } from '../../client/session/request'
import type {
  ClientToServerEvents,
  DashboardClientEvents,
  DashboardServerEvents,
  ServerToClientEvents,
} from '../../shared/protocol'

/**
 * Compile-time checks of the client's one `request()`, run by `npm run typecheck`: its payload is the event's first
 * parameter and its reply the `T` of the event's `Ack<T>`, on either namespace. Each `@ts-expect-error` line must be
 * a type error. Never executed.
 */
export async function requestTypeChecks(
  client: Socket<ServerToClientEvents, ClientToServerEvents>,
  dashboard: Socket<DashboardServerEvents, DashboardClientEvents>,
): Promise<void> {
  const grant = await request(client, 'client:upload', { kind: 'update', taskId: 'diabetes', bytes: 1 << 20 })
  if (grant.ok) grant.value.expiresAt satisfies number
  // An event that takes only its ack is sent without a payload.
  const tasks = await request(client, 'client:tasks', undefined)
  if (tasks.ok) tasks.value[0]?.task.id satisfies string | undefined
  const chain = await request(dashboard, 'dashboard:chain', {}, { timeoutMs: 10_000 })
  if (chain.ok) chain.value.height satisfies number

  // @ts-expect-error a wrong payload: an upload's kind is update, inference or copy
  await request(client, 'client:upload', { kind: 'weights', bytes: 10 })
  // @ts-expect-error a missing field: an account request names its address
  await request(client, 'client:account', {})
  // @ts-expect-error weights travel as bytes, not JSON arrays
  await request(client, 'client:update', { round: 1, baseVersion: 'r0', examples: 1, delta: [1, 2] })
  // @ts-expect-error client:progress has no ack: it is emitted, never requested
  await request(client, 'client:progress', { round: 1, fraction: 0.5, epoch: 0 })
  // @ts-expect-error unknown event
  await request(client, 'client:hack', {})
  // @ts-expect-error a dashboard event on the training socket
  await request(client, 'dashboard:chain', {})
  // @ts-expect-error the reply is read as its type: tasks are listings, not text
  if (tasks.ok) tasks.value satisfies string
}
