import { describe, expect, it } from 'vitest'
import {
  HEALTHY_CONNECTION_MS,
  MAX_RECONNECT_DELAY_MS,
  ReconnectBackoff,
} from '../../client/session/reconnect-backoff'

describe('a tab whose connection keeps breaking backs off', () => {
  it('doubles the delay for each short connection in a row, up to a minute', () => {
    const backoff = new ReconnectBackoff()
    const delays: number[] = []
    let now = 0
    for (let i = 0; i < 9; i++) {
      backoff.connected(now)
      // Joined, then dropped a moment later (a message it cannot read, a refusal).
      backoff.joined(now + 100)
      now += 500
      delays.push(backoff.disconnected(now).delayMs)
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000])
    expect(Math.max(...delays)).toBe(MAX_RECONNECT_DELAY_MS)
  })

  it('a connection that never joined counts as short however long it lasted', () => {
    const backoff = new ReconnectBackoff()
    backoff.connected(0)
    expect(backoff.disconnected(10 * HEALTHY_CONNECTION_MS)).toEqual({ delayMs: 1000, failures: 1 })
    backoff.connected(0)
    expect(backoff.disconnected(10 * HEALTHY_CONNECTION_MS)).toEqual({ delayMs: 2000, failures: 2 })
  })

  it('a healthy connection (joined and held) resets it: the next reconnect is prompt', () => {
    const backoff = new ReconnectBackoff()
    for (let i = 0; i < 4; i++) {
      backoff.connected(0)
      backoff.disconnected(1)
    }
    backoff.connected(0)
    backoff.joined(10)
    expect(backoff.disconnected(10 + HEALTHY_CONNECTION_MS)).toEqual({ delayMs: 1000, failures: 0 })
  })
})
