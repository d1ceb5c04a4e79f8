import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChainStore } from '../../coordinator/chain/chain-store'
import { verifyCommand } from '../../coordinator/chain/verify-command'
import { produceBlock } from '../../shared/chain/block'
import { generateKeyPair } from '../../shared/chain/keys'
import { accountOf } from '../../shared/chain/state'
import { signTransaction } from '../../shared/chain/transaction'
import { seededRandom } from '../../shared/random'

const CHAIN = 'store-test'

/** A stored chain of `count` blocks of token grants. */
function storedChain(count: number): ChainStore {
  const store = new ChainStore(mkdtempSync(join(tmpdir(), 'privx-chain-')))
  const keys = store.producerKeys()
  let head = produceBlock(
    { chainId: CHAIN },
    [
      signTransaction(keys, {
        chainId: CHAIN,
        nonce: 0,
        type: 'chain.genesis',
        payload: { faucetAmount: 10 },
        timestamp: 0,
      }),
    ],
    keys,
    0,
  )
  if (!head.ok) throw new Error(head.error.message)
  store.append(head.value.block)
  const user = generateKeyPair()
  for (let i = 1; i < count; i++) {
    const nonce = accountOf(head.value.state, keys.address).nonce
    const mint = signTransaction(keys, {
      chainId: CHAIN,
      nonce,
      type: 'token.mint',
      payload: { to: user.address, amount: i },
      timestamp: i,
    })
    head = produceBlock(head.value, [mint], keys, i)
    if (!head.ok) throw new Error(head.error.message)
    store.append(head.value.block)
  }
  return store
}

/** The byte offset just past each line of a chain file. */
const endsOf = (file: Buffer): number[] =>
  file
    .toString('utf8')
    .split('\n')
    .slice(0, -1)
    .map((_, i, lines) => Buffer.byteLength(lines.slice(0, i + 1).join('\n')) + 1)

describe('the stored chain', () => {
  it('loads and verifies; keeps the producer key across restarts', () => {
    const store = storedChain(5)
    const loaded = store.load()
    expect(loaded).toMatchObject({ ok: true, warnings: [] })
    expect(loaded.ok && loaded.blocks).toHaveLength(5)
    expect(new ChainStore(store.dir).producerKeys()).toEqual(store.producerKeys())
  })

  it('detects a flipped byte anywhere and names the block', () => {
    const store = storedChain(6)
    const original = readFileSync(store.path)
    const random = seededRandom(17)
    for (let trial = 0; trial < 60; trial++) {
      const position = Math.floor(random() * (original.length - 1))
      const copy = Buffer.from(original)
      copy[position] = copy[position]! ^ (1 << Math.floor(random() * 7))
      writeFileSync(store.path, copy)
      const loaded = store.load()
      const lineOf = original.subarray(0, position).toString('utf8').split('\n').length - 1
      expect(loaded.ok, `flip at byte ${position} (block ${lineOf}) went unnoticed`).toBe(false)
      if (!loaded.ok) expect(loaded.fault.index).toBeLessThanOrEqual(lineOf + 1)
    }
  })

  it('refuses a chain cut short of its head checkpoint, naming the missing blocks, and never loads a partial block', () => {
    const store = storedChain(6)
    const original = readFileSync(store.path)
    const random = seededRandom(5)
    for (let trial = 0; trial < 30; trial++) {
      const cut = 1 + Math.floor(random() * (original.length - 2))
      writeFileSync(store.path, original.subarray(0, cut))
      const whole = endsOf(original).filter((end) => end <= cut).length
      const missing = whole === 5 ? 'block 5 is missing' : `blocks ${whole}–5 are missing`
      expect(store.load()).toMatchObject({
        ok: false,
        fault: { index: whole, check: 'truncated', message: expect.stringContaining(missing) },
      })
    }
  })

  it('without a head checkpoint (an older data directory) loads the valid prefix, warning that cuts go unseen', () => {
    const store = storedChain(6)
    rmSync(join(store.dir, 'head.json'))
    const original = readFileSync(store.path)
    const ends = endsOf(original)
    const random = seededRandom(5)
    for (let trial = 0; trial < 30; trial++) {
      const cut = 1 + Math.floor(random() * (original.length - 2))
      writeFileSync(store.path, original.subarray(0, cut))
      const loaded = store.load()
      const whole = ends.filter((end) => end <= cut).length
      expect(loaded.ok).toBe(true)
      if (!loaded.ok) continue
      expect(loaded.blocks).toHaveLength(whole)
      if (!ends.includes(cut)) expect(loaded.warnings[0]).toMatch(new RegExp(`^block ${whole} is incomplete`))
      if (whole > 0)
        expect(loaded.warnings.at(-1)).toMatch(
          /^no head checkpoint .* cannot be detected until one is written$/,
        )
    }
    // Opening it for writing (repair) writes the checkpoint; from then on a cut is caught.
    writeFileSync(store.path, original)
    expect(store.load({ repair: true })).toMatchObject({
      ok: true,
      warnings: [expect.stringMatching(/checkpoint written at block 5$/)],
    })
    writeFileSync(store.path, original.subarray(0, ends[4]!))
    expect(store.load()).toMatchObject({ ok: false, fault: { check: 'truncated', index: 5 } })
  })

  it('always restarts to a valid chain after the writer is killed mid-write, many times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'privx-crash-'))
    const random = seededRandom(23)
    let heights: number[] = []
    for (let kill = 0; kill < 8; kill++) {
      // One process (node with tsx as a loader), so SIGKILL stops the writer itself.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', resolve('tests/helpers/chain-writer.ts'), dir],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      // Kill at a random moment after the writer has appended at least one block.
      await new Promise<void>((wrote, failed) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('block ') && wrote())
        child.once('exit', (code) => failed(new Error(`writer exited early (${code})`)))
      })
      await new Promise((r) => setTimeout(r, random() * 150))
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
      const loaded = new ChainStore(dir).load()
      expect(loaded.ok).toBe(true)
      if (loaded.ok) heights = [...heights, loaded.blocks.length]
    }
    expect(heights.at(-1)).toBeGreaterThanOrEqual(9)
    expect(heights.every((h, i) => i === 0 || h >= heights[i - 1]!)).toBe(true)
  }, 120_000)

  it('verify: exit 0 with a summary when valid, 1 naming the block and check when not', () => {
    const store = storedChain(3)
    const out: string[] = []
    const log = console.log
    const error = console.error
    console.log = (m: string) => out.push(m)
    console.error = (m: string) => out.push(m)
    try {
      expect(verifyCommand(store.dir)).toBe(0)
      expect(out.at(-1)).toMatch(
        /^valid: chain "store-test", 3 blocks, 3 transactions, 2 accounts, 0 training rounds; head [0-9a-f]{16}$/,
      )
      const text = readFileSync(store.path, 'utf8').replace('"amount":2', '"amount":9')
      writeFileSync(store.path, text)
      expect(verifyCommand(store.dir)).toBe(1)
      expect(out.at(-1)).toMatch(
        /^invalid: block 2: transaction: block 2, transaction 0: transaction [0-9a-f]{12} id [0-9a-f]{12} is not the hash of its body$|^invalid: block 2: /,
      )
    } finally {
      console.log = log
      console.error = error
    }
  })
})
