import type { Server } from 'socket.io'
import type { NetworkLimits } from './limits'
import type { RefusalCounter } from './refusals'

interface RawClient {
  readonly writeBuffer?: readonly { readonly data?: unknown }[]
  readonly transport?: { readonly socket?: { readonly bufferedAmount?: number } }
  close(discard?: boolean): void
}

/**
 * What the coordinator queues for a peer is bounded too: a peer that stops reading while it keeps asking (a large
 * block, snapshots) would otherwise make every answer wait in the coordinator's memory. Every `intervalMs` each
 * connection's queue is measured (engine.io's packets not yet written, plus the WebSocket's bytes not yet sent);
 * a connection over `outboundBytes` (or over 10,000 queued packets) is closed and counted.
 */
export function guardOutbound(
  io: Server,
  limits: NetworkLimits,
  refusals: RefusalCounter,
  intervalMs = 250,
): () => void {
  const timer = setInterval(() => {
    const clients = (io.engine as unknown as { clients: Record<string, RawClient> }).clients
    for (const raw of Object.values(clients)) {
      const queue = raw.writeBuffer ?? []
      let bytes = raw.transport?.socket?.bufferedAmount ?? 0
      for (const packet of queue) {
        const data = packet.data
        if (typeof data === 'string') bytes += data.length
        else bytes += (data as { byteLength?: number } | undefined)?.byteLength ?? 0
      }
      if (bytes > limits.outboundBytes || queue.length > 10_000) {
        refusals.count('slow-reader')
        raw.close()
        raw.close(true)
      }
    }
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
