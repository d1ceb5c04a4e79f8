import type { IncomingMessage } from 'node:http'
import type { Server } from 'socket.io'
import type { NetworkLimits } from './limits'
import type { RefusalCounter } from './refusals'

/** Namespaces a connection may join: the training/market one and the live page's. */
const MAX_NAMESPACE_CONNECTS = 4

interface RawPacket {
  readonly type: string
  readonly data?: unknown
}

interface RawConnection {
  readonly request: IncomingMessage
  readonly readyState: string
  on(event: 'packet', listener: (packet: RawPacket) => void): void
  once(event: 'close', listener: () => void): void
  close(discard?: boolean): void
}

/**
 * The engine.io side of the edge, before socket.io decodes anything: every packet of a connection passes here
 * synchronously, so a single HTTP long-polling body of 300,000 tiny packets cannot make 300,000 socket.io objects
 * before any limit runs. A connection is closed (and the refusal counted) when it
 * - sends more than `packetsPerSecond` packets in a second (an honest tab sends a few dozen),
 * - asks to join namespaces more than a handful of times,
 * - or holds more binary attachments of unfinished messages than its address may (`pendingBytesPerAddress`): a
 *   message whose attachments never all arrive would otherwise keep them in memory.
 */
export function guardPackets(io: Server, limits: NetworkLimits, refusals: RefusalCounter): void {
  const pendingByAddress = new Map<string, number>()
  const adjust = (address: string, delta: number): number => {
    const next = (pendingByAddress.get(address) ?? 0) + delta
    if (next <= 0) pendingByAddress.delete(address)
    else pendingByAddress.set(address, next)
    return next
  }

  io.engine.on('connection', (raw: RawConnection) => {
    const address = raw.request.socket.remoteAddress ?? 'unknown'
    let windowStart = Date.now()
    let packets = 0
    let connects = 0
    /** Attachments still expected by the message being received, and the bytes received for it so far. */
    let awaiting = 0
    let pending = 0
    const release = () => {
      if (pending) adjust(address, -pending)
      pending = 0
      awaiting = 0
    }
    const refuse = (reason: string) => {
      refusals.count(reason)
      release()
      // Closing first stops engine.io reading the rest of this body; discarding then drops the transport at once
      // (a long-polling session would otherwise linger, still taking bodies, until its queue drained).
      raw.close()
      raw.close(true)
    }
    raw.once('close', release)
    raw.on('packet', (packet) => {
      if (raw.readyState !== 'open') return
      const now = Date.now()
      if (now - windowStart >= 1000) {
        windowStart = now
        packets = 0
      }
      if (++packets > limits.packetsPerSecond) return refuse('packet-rate')
      if (packet.type !== 'message') return
      const data = packet.data
      if (typeof data === 'string') {
        if (data.startsWith('0') && ++connects > MAX_NAMESPACE_CONNECTS) return refuse('namespace-connects')
        // A new message: what the previous one left pending is socket.io's to drop, and ours to release.
        release()
        const binary = /^[56](\d+)-/.exec(data)
        if (binary) awaiting = Number(binary[1])
        return
      }
      const size = (data as { byteLength?: number } | undefined)?.byteLength ?? 0
      if (awaiting === 0) return
      pending += size
      if (adjust(address, size) > limits.pendingBytesPerAddress) return refuse('pending-bytes')
      if (--awaiting === 0) release()
    })
  })
}
