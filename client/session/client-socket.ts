import type { Socket } from 'socket.io-client'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol'

/** A training, market or chain connection to the coordinator's default namespace, typed by the wire's event maps. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>
