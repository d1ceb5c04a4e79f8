import type { Server } from 'socket.io'
import type { Socket } from 'socket.io-client'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol'

/**
 * Compile-time checks of the wire types, run by `npm run typecheck` (in CI): each `@ts-expect-error` line must be a
 * type error, so a wrong emit on either end does not compile. Never executed.
 */
export function typeChecks(
  server: Server<ClientToServerEvents, ServerToClientEvents>,
  client: Socket<ServerToClientEvents, ClientToServerEvents>,
): void {
  client.emit('client:progress', { round: 1, fraction: 0.5, epoch: 0 })
  const jsonWeights = {
    round: 1,
    baseVersion: 'r0',
    examples: 1,
    delta: [1, 2],
    metrics: { loss: 0, accuracy: 0 },
  }
  // @ts-expect-error weights travel as bytes, not JSON arrays
  client.emit('client:update', jsonWeights, () => {})
  // @ts-expect-error unknown event
  client.emit('client:hack', {})
  // @ts-expect-error the server sends round:start, clients do not
  client.emit('round:start', {})
  // @ts-expect-error round:cancel needs a reason
  server.emit('round:cancel', { round: 1 })
}
