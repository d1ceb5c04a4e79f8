import { describe, expect, it } from 'vitest'
import { SlotPool } from '../../coordinator/socket/slot-pool'

describe('SlotPool', () => {
  it('hands out its slots, queues the rest first come first served, and a wait can time out', async () => {
    const pool = new SlotPool(2)
    const a = await pool.acquire(1000)
    const b = await pool.acquire(1000)
    expect(a && b && pool.inUse).toBe(2)
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
    a!()
    a!() // releasing twice frees one slot only
    const gotC = await c
    expect(order).toEqual(['c'])
    expect(pool.queued).toBe(1)
    b!()
    expect(await d).not.toBeNull()
    expect(order).toEqual(['c', 'd'])
    expect(await pool.acquire(20)).toBeNull()
    gotC!()
    expect(pool.inUse).toBe(1)
  })
})
