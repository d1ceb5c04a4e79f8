import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { io } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientSocket } from '../../client/session/client-socket'
import { RATE_LIMIT_RETRY_DELAYS_MS, request, unanswered } from '../../client/session/request'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol'
import { fail, ok } from '../../shared/result'

/** A real socket.io server on port 0 whose handlers answer as each test needs; `calls` counts requests per event. */
const calls = new Map<string, number>()
const count = (event: string): number => {
  const n = (calls.get(event) ?? 0) + 1
  calls.set(event, n)
  return n
}
let server: Server<ClientToServerEvents, ServerToClientEvents>
let socket: ClientSocket

beforeAll(async () => {
  const http = createServer()
  server = new Server(http)
  server.on('connection', (peer) => {
    // Refused as over the event rate twice, then answered: the retries after 0.5 s and 1 s get through.
    peer.on('client:account', ({ address }, ack) =>
      ack(count('client:account') <= 2 ? fail('rate-limited', 'slow down') : ok({ ...account, address })),
    )
    // Always over the rate: refused after the three retries.
    peer.on('client:he-key', (_request, ack) => {
      count('client:he-key')
      ack(fail('rate-limited', 'slow down'))
    })
    peer.on('client:ready', (_request, ack) => ack(fail('not-joined', 'hello first')))
    peer.on('client:tasks', (ack) => ack(ok([])))
    // Never answered.
    peer.on('client:challenge', () => {})
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true })
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
})

afterAll(async () => {
  socket.disconnect()
  await server.close()
})

const account = { chainId: 'c', address: '', balance: 0, nonce: 0, faucetClaimed: false, faucetAmount: 0 }

describe('request(): one typed request with an ack, a timeout and a Result', () => {
  it('returns the answer as a Result and sends an ack-only event without a payload', async () => {
    expect(await request(socket, 'client:tasks', undefined)).toEqual({ ok: true, value: [] })
    expect(await request(socket, 'client:ready', { trainExamples: 1, testExamples: 1 })).toEqual({
      ok: false,
      error: { code: 'not-joined', message: 'hello first' },
    })
  })

  it('gives a missing answer as an unanswered invalid-state error with its cause, never a rejection', async () => {
    const result = await request(socket, 'client:challenge', {}, { timeoutMs: 50 })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(unanswered(result.error)).toBe(true)
    expect(result.error).toMatchObject({
      code: 'invalid-state',
      message: 'no answer from the coordinator (operation has timed out)',
    })
    expect(result.error.cause).toBeInstanceOf(Error)
  })

  it('returns a rate-limited refusal at once when told not to retry', async () => {
    calls.clear()
    const result = await request(
      socket,
      'client:he-key',
      { keyId: '0123456789abcdef' },
      { retryRateLimited: false },
    )
    expect(result).toEqual({ ok: false, error: { code: 'rate-limited', message: 'slow down' } })
    expect(!result.ok && unanswered(result.error)).toBe(false)
    expect(calls.get('client:he-key')).toBe(1)
  })

  it('retries a rate-limited refusal after 0.5 s, then 1 s, and takes the answer that gets through', async () => {
    calls.clear()
    const started = Date.now()
    const result = await request(socket, 'client:account', { address: 'px1' }, { retryRateLimited: true })
    expect(result).toEqual({ ok: true, value: { ...account, address: 'px1' } })
    expect(calls.get('client:account')).toBe(3)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500 - 20)
  })

  it('gives up after three retries (0.5 s, 1 s, 1.5 s) with the last refusal', async () => {
    expect(RATE_LIMIT_RETRY_DELAYS_MS).toEqual([500, 1000, 1500])
    calls.clear()
    const result = await request(
      socket,
      'client:he-key',
      { keyId: '0123456789abcdef' },
      { retryRateLimited: true },
    )
    expect(result).toEqual({ ok: false, error: { code: 'rate-limited', message: 'slow down' } })
    expect(calls.get('client:he-key')).toBe(4)
  })

  it('stops retrying once its signal aborts: unanswered, with the signal reason as cause', async () => {
    calls.clear()
    const stop = new AbortController()
    const pending = request(
      socket,
      'client:he-key',
      { keyId: '0123456789abcdef' },
      { retryRateLimited: true, signal: stop.signal },
    )
    stop.abort(new Error('session stopped'))
    const result = await pending
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(unanswered(result.error)).toBe(true)
    expect(result.error.message).toBe('no answer from the coordinator (session stopped)')
    expect(calls.get('client:he-key')).toBe(1)
  })
})
