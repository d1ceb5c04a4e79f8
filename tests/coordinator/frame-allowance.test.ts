import { EventEmitter } from 'node:events'
import type { Socket } from 'socket.io'
import { describe, expect, it } from 'vitest'
import { grantOf, grantUpload } from '../../coordinator/socket/frame-allowance'

/** A connection on the polling transport, as far as grants touch it: its cap, its events. */
function pollingSocket() {
  const conn = Object.assign(new EventEmitter(), {
    transport: { name: 'polling', opts: { maxHttpBufferSize: 1000 } },
  })
  const socket = Object.assign(new EventEmitter(), { conn })
  return { socket: socket as unknown as Socket, conn, raw: socket }
}

describe('upload grants', () => {
  it('raise the cap until released, free the slot once, and leave no listener behind on a connection that uploads every round', () => {
    const { socket, conn, raw } = pollingSocket()
    let freed = 0
    for (let round = 0; round < 20; round++) {
      const grant = grantUpload(socket, 5000, 1000, 60_000, () => freed++)
      expect(grant).not.toBeNull()
      expect(conn.transport.opts.maxHttpBufferSize).toBe(5000)
      grant!.release()
      grant!.release()
      expect(conn.transport.opts.maxHttpBufferSize).toBe(1000)
      expect(grantOf(socket)).toBeUndefined()
    }
    expect(freed).toBe(20)
    expect(raw.listenerCount('disconnect')).toBe(0)
    expect(conn.listenerCount('upgrade')).toBe(0)
    // A disconnect releases a grant still held.
    grantUpload(socket, 5000, 1000, 60_000, () => freed++)
    raw.emit('disconnect')
    expect(freed).toBe(21)
    expect(grantOf(socket)).toBeUndefined()
  })
})
