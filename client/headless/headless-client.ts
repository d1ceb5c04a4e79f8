import { io } from 'socket.io-client'
import { type ClientSocket, FederatedSession } from '../session/federated-session'
import { activateNodeBackend, type NodeBackend } from '../training/backend-node'
import { LocalTrainer } from '../training/local-trainer'

export interface HeadlessClient {
  readonly session: FederatedSession
  readonly socket: ClientSocket
  /** Leaves the federation and releases the model. */
  close(): void
}

/**
 * A federated client in Node running the same core as a tab (FederatedSession + LocalTrainer), for tests, demos
 * and scale. Clients in one process share its tfjs engine and take turns training.
 */
export async function startHeadlessClient(
  url: string,
  backend: NodeBackend = 'wasm',
): Promise<HeadlessClient> {
  const active = await activateNodeBackend(backend)
  const trainer = new LocalTrainer(`node-${active}`)
  const socket: ClientSocket = io(url, { forceNew: true, transports: ['websocket'], autoConnect: false })
  const session = new FederatedSession(socket, trainer)
  session.start()
  return {
    session,
    socket,
    close(): void {
      session.stop()
      trainer.dispose()
    },
  }
}
