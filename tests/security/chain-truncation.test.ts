import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChainService } from '../../coordinator/chain/chain-service'
import { readHead, writeHead } from '../../coordinator/chain/head-file'
import { verifyCommand } from '../../coordinator/chain/verify-command'
import { signCheckpoint } from '../../shared/chain/checkpoint'
import { generateKeyPair } from '../../shared/chain/keys'

const CHAIN = 'truncation-test'

/** A chain of `height` blocks stored by a real ChainService in a fresh data directory. */
function storedChain(height: number): { dataDir: string; chain: ChainService; blocksFile: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'privx-truncation-'))
  const chain = ChainService.open({ dataDir, chainId: CHAIN, faucetAmount: 10 })
  const user = generateKeyPair()
  while (chain.blocks.length < height) {
    const minted = chain.submitOwn('token.mint', { to: user.address, amount: chain.blocks.length })
    if (!minted.ok) throw new Error(minted.error.message)
  }
  return { dataDir, chain, blocksFile: join(dataDir, 'blocks.jsonl') }
}

const open = (dataDir: string) => ChainService.open({ dataDir, chainId: CHAIN, faucetAmount: 10 })

/** Removes the last `count` lines of a chain file. */
function dropLines(path: string, count: number): void {
  const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1)
  writeFileSync(
    path,
    lines
      .slice(0, lines.length - count)
      .map((l) => `${l}\n`)
      .join(''),
  )
}

/** verifyCommand's exit code and everything it printed. */
function verifyOutput(dataDir: string): { code: number; out: string[] } {
  const out: string[] = []
  const { log, error } = console
  console.log = (m: string) => out.push(m)
  console.error = (m: string) => out.push(m)
  try {
    return { code: verifyCommand(dataDir), out }
  } finally {
    console.log = log
    console.error = error
  }
}

describe('a chain cut at a block boundary', () => {
  it.each([
    [1, 'block 11 is missing'],
    [3, 'blocks 9–11 are missing'],
  ])(
    'with its last %i block(s) deleted: start refused and verify exits 1, naming the missing blocks',
    (count, missing) => {
      const { dataDir, chain, blocksFile } = storedChain(12)
      const head = chain.blocks.at(-1)!.hash
      dropLines(blocksFile, count)
      const first = 12 - count
      const message = `the head checkpoint names block 11 (hash ${head.slice(0, 12)}…); the file ends at block ${first - 1}: ${missing}`
      expect(() => open(dataDir)).toThrow(
        `the stored chain is invalid at block ${first} (truncated): ${message}. Run "npx privx verify --data-dir ${dataDir}".`,
      )
      const verified = verifyOutput(dataDir)
      expect(verified.code).toBe(1)
      expect(verified.out.at(-1)).toBe(`invalid: block ${first}: truncated: ${message}`)
    },
  )

  it('with every block deleted: refused, not silently restarted as a new chain', () => {
    const { dataDir, blocksFile } = storedChain(4)
    rmSync(blocksFile)
    expect(() => open(dataDir)).toThrow(/the file holds no blocks: blocks 0–3 are missing/)
    expect(verifyOutput(dataDir).code).toBe(1)
  })

  it('is caught by reverify() while the coordinator runs', async () => {
    const { chain, blocksFile } = storedChain(8)
    dropLines(blocksFile, 2)
    const result = await chain.reverify()
    expect(result).toMatchObject({
      ok: true,
      value: {
        ok: false,
        check: 'truncated',
        index: 6,
        message: expect.stringMatching(/blocks 6–7 are missing/),
      },
    })
    expect(chain.verified()).toMatchObject({ ok: false, check: 'truncated' })
  })
})

describe('the head checkpoint', () => {
  it('edited without the producer key: refused as forged', () => {
    const { dataDir, blocksFile } = storedChain(6)
    dropLines(blocksFile, 2)
    const path = join(dataDir, 'head.json')
    const checkpoint = JSON.parse(readFileSync(path, 'utf8'))
    writeFileSync(path, JSON.stringify({ ...checkpoint, height: 4, head: 'ab'.repeat(32) }))
    expect(() => open(dataDir)).toThrow(
      /invalid at block 3 \(checkpoint\): the head checkpoint's signature is invalid: forged or damaged/,
    )
    expect(verifyOutput(dataDir).code).toBe(1)
  })

  it("re-signed with another key: refused, naming the chain's producer", () => {
    const { dataDir, chain, blocksFile } = storedChain(6)
    dropLines(blocksFile, 2)
    writeHead(dataDir, signCheckpoint(chain.blocks[3]!, generateKeyPair(), Date.now()))
    expect(() => open(dataDir)).toThrow(
      /\(checkpoint\): the head checkpoint is signed by [0-9a-f]{12}…, not by the chain's producer/,
    )
  })

  it('naming another block at its height: refused', () => {
    const { dataDir, chain } = storedChain(6)
    const genuine = readFileSync(join(dataDir, 'head.json'), 'utf8')
    // A genuine checkpoint of a different chain by the same producer key (another data directory sharing the key).
    const other = { ...chain.blocks[5]!, hash: 'cd'.repeat(32) }
    writeHead(dataDir, signCheckpoint(other, chain.keys, Date.now()))
    expect(() => open(dataDir)).toThrow(
      /\(checkpoint\): the head checkpoint names block 5 \(hash cdcdcdcdcdcd…\), but the stored block 5 has hash/,
    )
    writeFileSync(join(dataDir, 'head.json'), genuine)
    expect(() => open(dataDir)).not.toThrow()
  })

  it('one block behind the file (a crash between the two writes): accepted with a warning, then rewritten', () => {
    const { dataDir, chain } = storedChain(5)
    const before = readFileSync(join(dataDir, 'head.json'))
    expect(chain.submitOwn('token.mint', { to: chain.keys.address, amount: 1 }).ok).toBe(true)
    writeFileSync(join(dataDir, 'head.json'), before)
    const verified = verifyOutput(dataDir)
    expect(verified.code).toBe(0)
    expect(verified.out[0]).toMatch(/^warning: the chain holds 1 block after the head checkpoint \(a crash/)
    const reopened = open(dataDir)
    expect(reopened.blocks).toHaveLength(6)
    expect(reopened.warnings).toEqual([expect.stringMatching(/; checkpoint written at block 5$/)])
    expect(readHead(dataDir)).toMatchObject({
      ok: true,
      checkpoint: { height: 6, head: chain.blocks[5]!.hash },
    })
    expect(open(dataDir).warnings).toEqual([])
  })

  it('after a crash mid-write of the next block: the torn line is cut off and the checkpoint matches', () => {
    const { dataDir, blocksFile } = storedChain(5)
    writeFileSync(blocksFile, `${readFileSync(blocksFile, 'utf8')}{"header":{"chainId":"trunc`)
    const reopened = open(dataDir)
    expect(reopened.blocks).toHaveLength(5)
    expect(reopened.warnings).toEqual([expect.stringMatching(/^block 5 is incomplete/)])
    expect(open(dataDir).warnings).toEqual([])
  })

  it('absent (a data directory from an older version): loads with a warning and is written', () => {
    const { dataDir, chain } = storedChain(5)
    rmSync(join(dataDir, 'head.json'))
    expect(verifyOutput(dataDir).out[0]).toMatch(
      /^warning: no head checkpoint .* cannot be detected until one is written$/,
    )
    expect(open(dataDir).warnings).toEqual([
      expect.stringMatching(/^no head checkpoint .* cannot be detected; checkpoint written at block 4$/),
    ])
    expect(readHead(dataDir)).toMatchObject({
      ok: true,
      checkpoint: { height: 5, head: chain.blocks[4]!.hash },
    })
  })
})
