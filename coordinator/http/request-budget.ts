import type { IncomingMessage, ServerResponse } from 'node:http'
import { RateLimiterMemory } from 'rate-limiter-flexible'

/**
 * A per-address budget for plain HTTP requests (pages, assets, `/api/*`; socket.io's own requests are engine.io's).
 * Over it, the answer is 429 with `Retry-After` and the connection is closed, so a flood pays a new TCP handshake
 * for every further request instead of reusing a kept-alive one. `onRefused` counts it.
 */
export function httpRequestBudget(
  requestsPerTenSeconds: number,
  onRefused: () => void,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const limiter = new RateLimiterMemory({ points: requestsPerTenSeconds, duration: 10 })
  return async (req, res) => {
    try {
      await limiter.consume(req.socket.remoteAddress ?? 'unknown')
      return true
    } catch (refusal) {
      onRefused()
      const wait = Math.ceil(((refusal as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000)
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': String(wait), connection: 'close' })
      res.end(`more than ${requestsPerTenSeconds} requests in 10 s from this address; retry in ${wait} s\n`)
      return false
    }
  }
}
