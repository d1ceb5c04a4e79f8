import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChainService } from '../../coordinator/chain/chain-service'
import { generateKeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'

const CHAIN = 'verify-cost-test'

/** A stored chain of `height` blocks: faucet claims, transfers and mints from a real ChainService. */
function storedChain(height: number, options: { now?: () => number; reverifyIntervalMs?: number } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'privx-verify-cost-'))
  const chain = ChainService.open({ dataDir, chainId: CHAIN, faucetAmount: 100, ...options })
  const users = Array.from({ length: 8 }, () => ({ keys: generateKeyPair(), nonce: 0 }))
  const send = (i: number, type: string, payload: Record<string, unknown>) => {
    const user = users[i % users.length]!
    const tx = signTransaction(user.keys, {
      chainId: CHAIN,
      nonce: user.nonce++,
      type,
      payload: payload as never,
      timestamp: chain.blocks.at(-1)!.header.timestamp,
    })
    const r = chain.submit(tx)
    if (!r.ok) throw new Error(r.error.message)
  }
  for (const i of users.keys()) send(i, 'token.claim', {})
  for (let i = 0; chain.blocks.length < height; i++) {
    if (i % 4 === 3) chain.submitOwn('token.mint', { to: users[i % 8]!.keys.address, amount: 5 })
    else send(i, 'token.transfer', { to: users[(i + 1) % 8]!.keys.address, amount: 1 })
  }
  return { chain, dataDir }
}

describe('chain verification is cheap and bounded', () => {
  it('verified() answers from state kept as blocks are appended: it reads nothing and costs no replay', () => {
    let clock = 1_000
    const { chain, dataDir } = storedChain(40, { now: () => clock })
    const head = chain.blocks.at(-1)!.hash
    expect(chain.verified()).toEqual({ ok: true, height: 40, head, verifiedAt: 1_000, fullVerifiedAt: 1_000 })
    // With the files gone, verified() still answers: it never touches the store.
    rmSync(join(dataDir, 'blocks.jsonl'))
    rmSync(join(dataDir, 'head.json'))
    const start = performance.now()
    for (let i = 0; i < 10_000; i++) chain.verified()
    expect(performance.now() - start).toBeLessThan(50)
    expect(chain.verified()).toMatchObject({ ok: true, height: 40, head })
    // Each appended block is verified on its own and moves the verified head.
    clock = 2_000
    expect(chain.submitOwn('token.mint', { to: chain.keys.address, amount: 1 }).ok).toBe(true)
    expect(chain.verified()).toEqual({
      ok: true,
      height: 41,
      head: chain.blocks.at(-1)!.hash,
      verifiedAt: 2_000,
      fullVerifiedAt: 1_000,
    })
    expect(chain.verify()).toEqual({ ok: true, height: 41 })
  })

  it('reverify() of a few hundred blocks leaves the event loop free: a 1 ms timer keeps firing', async () => {
    const { chain } = storedChain(300)
    let ticks = 0
    let last = performance.now()
    let longestGap = 0
    const timer = setInterval(() => {
      const now = performance.now()
      longestGap = Math.max(longestGap, now - last)
      last = now
      ticks++
    }, 1)
    const start = performance.now()
    last = start
    const result = await chain.reverify()
    const took = performance.now() - start
    clearInterval(timer)
    expect(result).toMatchObject({ ok: true, value: { ok: true, height: 300 } })
    // Slices of ~10 ms: one tick per slice at least. The bound on the gap is loose for a loaded CI machine.
    expect(ticks).toBeGreaterThanOrEqual(10)
    expect(ticks).toBeGreaterThan(took / 100)
    expect(longestGap).toBeLessThan(250)
  })

  it('reverify() runs once at a time and at most once per interval, else refuses with the seconds to wait', async () => {
    let clock = 0
    const { chain } = storedChain(20, { now: () => clock, reverifyIntervalMs: 60_000 })
    const first = chain.reverify()
    expect(chain.reverify()).toBe(first)
    expect(await first).toMatchObject({ ok: true, value: { ok: true, height: 20, fullVerifiedAt: 0 } })
    clock = 500
    expect(await chain.reverify()).toEqual({
      ok: false,
      error: {
        code: 'rate-limited',
        message: 'a full chain verification runs at most once every 60 s: try again in 60 s',
        retryAfterS: 60,
      },
    })
    clock = 59_100
    expect(await chain.reverify()).toMatchObject({
      ok: false,
      error: { code: 'rate-limited', retryAfterS: 1 },
    })
    clock = 60_000
    expect(await chain.reverify()).toMatchObject({ ok: true, value: { ok: true, fullVerifiedAt: 60_000 } })
  })

  it('reverify() without a data directory checks the chain in memory', async () => {
    const chain = ChainService.open({ dataDir: null, chainId: CHAIN, faucetAmount: 1, reverifyIntervalMs: 0 })
    chain.submitOwn('token.mint', { to: chain.keys.address, amount: 3 })
    expect(await chain.reverify()).toMatchObject({ ok: true, value: { ok: true, height: 2 } })
    // A block altered in memory is found.
    ;(chain.blocks[1]!.header as { timestamp: number }).timestamp += 1
    expect(await chain.reverify()).toMatchObject({
      ok: true,
      value: { ok: false, index: 1, check: 'block-hash' },
    })
    expect(chain.verified()).toMatchObject({ ok: false, check: 'block-hash' })
  })
})
