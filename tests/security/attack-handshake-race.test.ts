import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'

/**
 * Failed before the fix: connectionsPerAddress is checked in allowRequest before an asynchronous rate-limiter call, and the
 * open count only rises at engine.io's 'connection'. Handshakes that arrive in one tick (HTTP/1.1 pipelining: many
 * GETs in one TCP write) all see the old count. Measured: 350 pipelined handshakes opened 300 sessions from one
 * address (the cap is 64; only the 300-a-minute handshake budget stopped it).
 * Fix: reserve the slot synchronously in allowRequest (count it before the rate-limiter promise, give it back on
 * refusal or when the handshake does not complete).
 */
let coordinator: Coordinator

beforeAll(async () => {
  coordinator = await startCoordinator({ port: 0, staticDir: null, encryption: false })
})

afterAll(async () => {
  await coordinator.close()
})

describe('connections per address', () => {
  it('handshakes pipelined on one TCP connection cannot open more than the cap', async () => {
    const socket = net.connect(coordinator.port, '127.0.0.1')
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk.toString()
    })
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      Array(200).fill('GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n').join(''),
    )
    await new Promise((resolve) => setTimeout(resolve, 3000))
    socket.destroy()
    const sessions = (text.match(/"sid"/g) ?? []).length
    expect(sessions).toBeLessThanOrEqual(coordinator.limits.connectionsPerAddress)
  })
})
