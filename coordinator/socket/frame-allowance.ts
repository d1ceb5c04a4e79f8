import type { Socket } from 'socket.io'

/**
 * Per-connection frame caps. Every connection starts at the coordinator's base cap (the largest small part: JSON
 * text, one ciphertext); a connection granted an upload slot may send one frame up to the granted size until it
 * has sent its bulky event, the grant expires, or it disconnects. So the bytes the transport buffers for large
 * frames at once are bounded by the slots, not by the number of connections.
 *
 * engine.io offers one cap for all connections; the per-connection one is set on the transport in use: the polling
 * transport's own options, or the `ws` receiver's payload limit (engine.io 6 with ws 8, pinned in package-lock).
 * `setConnectionFrameCap` reports false where neither is found, and the grant is then refused.
 */
export function setConnectionFrameCap(socket: Socket, bytes: number): boolean {
  const transport = socket.conn.transport as unknown as {
    name: string
    opts?: { maxHttpBufferSize?: number }
    socket?: { _receiver?: { _maxPayload?: number } }
  }
  if (transport.name === 'polling' && transport.opts) {
    transport.opts.maxHttpBufferSize = bytes
    return true
  }
  const receiver = transport.socket?._receiver
  if (transport.name === 'websocket' && receiver && typeof receiver._maxPayload === 'number') {
    receiver._maxPayload = bytes
    return true
  }
  return false
}

export interface UploadGrant {
  readonly bytes: number
  readonly expiresAt: number
  release(): void
}

const grants = new WeakMap<Socket, UploadGrant>()

/** The grant this connection holds, if any. */
export const grantOf = (socket: Socket): UploadGrant | undefined => grants.get(socket)

/**
 * Raises this connection's cap to `bytes` until `release` (after the bulky event, on disconnect) or `ttlMs`;
 * `freeSlot` gives the slot back then. An upgrade from polling to WebSocket keeps the cap.
 */
export function grantUpload(
  socket: Socket,
  bytes: number,
  baseCap: number,
  ttlMs: number,
  freeSlot: () => void,
): UploadGrant | null {
  if (!setConnectionFrameCap(socket, bytes)) {
    freeSlot()
    return null
  }
  const reapply = () => setConnectionFrameCap(socket, bytes)
  socket.conn.on('upgrade', reapply)
  const release = () => {
    if (grants.get(socket) !== grant) return
    grants.delete(socket)
    clearTimeout(timer)
    socket.conn.off('upgrade', reapply)
    socket.off('disconnect', release)
    setConnectionFrameCap(socket, baseCap)
    freeSlot()
  }
  const timer = setTimeout(release, ttlMs)
  const grant: UploadGrant = { bytes, expiresAt: Date.now() + ttlMs, release }
  grants.set(socket, grant)
  socket.once('disconnect', release)
  return grant
}
