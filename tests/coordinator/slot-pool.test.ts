import { describe, expect, it } from 'vitest'
import { SlotPool } from '../../coordinator/socket/slot-pool'

/** The release function `acquire` gave, or a failure naming what came instead. */
function slot(got: (() => void) | string): () => void {
  if (typeof got !== 'function') throw new Error(`expected a slot, got ${got}`)
  return got
}

describe('SlotPool', () => {
  it('hands out its slots, queues the rest first come first served, and a wait can time out', async () => {
    const pool = new SlotPool(2)
    const a = slot(await pool.acquire(1000))
    const b = slot(await pool.acquire(1000))
    expect(pool.inUse).toBe(2)
    const order: string[] = []
    const c = pool.acquire(1000).then((r) => {
      order.push('c')
      return r
    })
    const d = pool.acquire(1000).then((r) => {
      order.push('d')
      return r
    })
    expect(pool.queued).toBe(2)
    a()
    a() // releasing twice frees one slot only
    const gotC = slot(await c)
    expect(order).toEqual(['c'])
    expect(pool.queued).toBe(1)
    b()
    expect(typeof (await d)).toBe('function')
    expect(order).toEqual(['c', 'd'])
    expect(await pool.acquire(20)).toBe('timeout')
    expect(pool.queued).toBe(0)
    gotC()
    expect(pool.inUse).toBe(1)
  })

  it('queues at most maxQueued requests (backpressure), refuses the next at once, and a cancelled wait leaves the queue', async () => {
    const pool = new SlotPool(1, 2)
    const held = slot(await pool.acquire(1000))
    const leaving = new AbortController()
    const first = pool.acquire(5000, leaving.signal)
    const second = pool.acquire(5000)
    expect(pool.queued).toBe(2)
    expect(await pool.acquire(5000)).toBe('queue-full')
    leaving.abort()
    expect(await first).toBe('cancelled')
    expect(pool.queued).toBe(1)
    // The slot goes to the request still waiting, not to the one that left.
    held()
    const next = slot(await second)
    expect(pool.inUse).toBe(1)
    next()
    expect(pool.inUse).toBe(0)
    expect(await pool.acquire(10, AbortSignal.abort())).not.toBe('cancelled') // a free slot is taken at once
  })
})
