import type { IncomingMessage } from 'node:http'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import type { Server } from 'socket.io'
import type { NetworkLimits } from './limits'
import type { RefusalCounter } from './refusals'

/**
 * Who may open a connection (engine.io's `allowRequest`, run on every handshake): a browser page only from an
 * allowed origin (the coordinator's own by default: another site's page cannot drive a visitor's browser into the
 * federation), at most `connectionsPerAddress` open connections per IP address and `maxConnections` in all, and at
 * most `handshakesPerAddressPerMinute` new ones per address.
 * Refusals are counted by reason and answered with HTTP 403 and the reason.
 */
export function admitConnections(io: Server, limits: NetworkLimits, refusals: RefusalCounter): void {
  const open = new Map<string, number>()
  let total = 0
  const handshakes = new RateLimiterMemory({ points: limits.handshakesPerAddressPerMinute, duration: 60 })
  const addressOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown'
  /** Handshakes admitted, counted as open from the moment they are admitted until their connection closes. */
  const reserved = new WeakMap<IncomingMessage, { connected: boolean }>()
  const hold = (address: string): void => {
    open.set(address, (open.get(address) ?? 0) + 1)
    total++
  }
  const release = (address: string): void => {
    total--
    const left = (open.get(address) ?? 1) - 1
    if (left <= 0) open.delete(address)
    else open.set(address, left)
  }

  io.engine.opts.allowRequest = (req, callback) => {
    if (!hostAllowed(req.headers.host, limits.allowedHosts)) {
      refusals.count('host')
      callback(`host ${String(req.headers.host).slice(0, 100)} is not served here`, false)
      return
    }
    const origin = req.headers.origin
    if (origin !== undefined && !originAllowed(origin, req.headers.host, limits.allowedOrigins)) {
      refusals.count('origin')
      callback(`origin ${origin.slice(0, 100)} is not allowed to connect`, false)
      return
    }
    const address = addressOf(req)
    if ((open.get(address) ?? 0) >= limits.connectionsPerAddress) {
      refusals.count('connections-per-address')
      callback(`${limits.connectionsPerAddress} connections from ${address} are open already`, false)
      return
    }
    if (total >= limits.maxConnections) {
      refusals.count('connections-total')
      callback(`the coordinator serves ${limits.maxConnections} connections already`, false)
      return
    }
    // Counted now, synchronously: handshakes that arrive together (pipelined in one write) all see each other.
    hold(address)
    const reservation = { connected: false }
    reserved.set(req, reservation)
    handshakes.consume(address).then(
      () => {
        callback(null, true)
        // A handshake admitted but never completed gives its place back.
        setTimeout(() => {
          if (!reservation.connected) release(address)
        }, 10_000).unref()
      },
      () => {
        release(address)
        reservation.connected = true
        refusals.count('handshake-rate')
        callback(
          `more than ${limits.handshakesPerAddressPerMinute} new connections a minute from ${address}`,
          false,
        )
      },
    )
  }
  io.engine.on('connection', (raw: { request: IncomingMessage; once(e: 'close', f: () => void): void }) => {
    const address = addressOf(raw.request)
    const reservation = reserved.get(raw.request)
    if (reservation) reservation.connected = true
    else hold(address)
    raw.once('close', () => release(address))
  })
}

/**
 * Whether a request's Host header names this coordinator (DNS rebinding: a page of evil.example whose name
 * resolves to 127.0.0.1 sends `Host: evil.example`, and its Origin matches that Host). `*` allows any.
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true
  if (!host) return false
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!
  return allowed.includes(name.toLowerCase())
}

/** Same origin (the page's host is the Host the request came to), or listed, or '*' listed. */
export function originAllowed(origin: string, host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*') || allowed.includes(origin)) return true
  try {
    return host !== undefined && new URL(origin).host === host
  } catch {
    return false
  }
}
