import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { verifyInBackground } from '../../coordinator/chain/background-verification'
import { ChainService, type RoundRecordPayload } from '../../coordinator/chain/chain-service'
import { ChainStore, SNAPSHOT_INTERVAL } from '../../coordinator/chain/chain-store'
import { EventLog } from '../../coordinator/event-log'
import { generateKeyPair } from '../../shared/chain/keys'
import { commitmentOf } from '../../shared/chain/state-commitment'

const CHAIN = 'snapshot-test'
const TASK = 'snap-task'
const people = [generateKeyPair().address, generateKeyPair().address]

const record = (round: number): RoundRecordPayload => ({
  taskId: TASK,
  modelRound: round,
  run: 1,
  modelBefore: round.toString(16).padStart(64, '0'),
  modelAfter: (round + 1).toString(16).padStart(64, '0'),
  participants: people.map((address, i) => ({
    address,
    updateHash: (round * 3 + i).toString(16).padStart(64, '0'),
    examples: 10 + i,
  })),
  metrics: { loss: 1 / round },
  privacy: {},
  homomorphic: false,
  rewardPerExample: 1,
})

const open = (dir: string) => ChainService.open({ dataDir: dir, chainId: CHAIN, faucetAmount: 10 })

/** A data directory holding a chain of `rounds` round records (and two blocks before them), with its snapshot. */
function chainOf(rounds: number): { dir: string; chain: ChainService } {
  const dir = mkdtempSync(join(tmpdir(), 'privx-snapshot-'))
  const chain = open(dir)
  expect(chain.registerTask({ id: TASK, name: 'snapshot' } as never).ok).toBe(true)
  expect(chain.fundTask(TASK, 100_000).ok).toBe(true)
  for (let round = 1; round <= rounds; round++) expect(chain.recordRound(record(round)).ok).toBe(true)
  return { dir, chain }
}

/** Rewrites block `index`'s first transaction payload in the stored file (its header left as it was). */
function tamperBlock(dir: string, index: number): void {
  const path = join(dir, 'blocks.jsonl')
  const lines = readFileSync(path, 'utf8').split('\n')
  const block = JSON.parse(lines[index]!)
  block.transactions[0].body.payload.metrics = { loss: 0 }
  lines[index] = JSON.stringify(block)
  writeFileSync(path, lines.join('\n'))
}

describe('start-up from the state snapshot', () => {
  const ROUNDS = SNAPSHOT_INTERVAL + 40
  let original: { dir: string; chain: ChainService }
  const copies: string[] = []
  /** A copy of the original data directory, to damage. */
  const copy = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'privx-snapshot-copy-'))
    for (const name of ['blocks.jsonl', 'head.json', 'producer.key', 'state.json'])
      writeFileSync(join(dir, name), readFileSync(join(original.dir, name)))
    copies.push(dir)
    return dir
  }

  beforeAll(() => {
    original = chainOf(ROUNDS)
  }, 120_000)
  afterAll(() => {
    for (const dir of [original.dir, ...copies]) rmSync(dir, { recursive: true, force: true })
  })

  it('replays only the blocks after the snapshot, to the same state, and goes on recording', () => {
    const dir = copy()
    const reopened = open(dir)
    expect(reopened.fromSnapshot).toBe(true)
    expect(reopened.verified()).toMatchObject({ ok: true, height: ROUNDS + 4, fullVerifiedAt: null })
    expect(commitmentOf(reopened.state).root).toBe(commitmentOf(original.chain.state).root)
    expect(JSON.stringify(reopened.state)).toBe(JSON.stringify(original.chain.state))
    expect(reopened.state.rounds.forTask(TASK)).toHaveLength(ROUNDS)
    expect(reopened.recordRound(record(ROUNDS + 1)).ok).toBe(true)
    expect(new ChainStore(dir).load().ok).toBe(true)
  })

  it('ignores a snapshot that does not match its block, says so, verifies from genesis and writes a good one', () => {
    const dir = copy()
    const snapshot = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))
    const someone = Object.keys(snapshot.state.accounts)[1]!
    snapshot.state.accounts[someone].balance += 1_000
    writeFileSync(join(dir, 'state.json'), JSON.stringify(snapshot))
    const reopened = open(dir)
    expect(reopened.fromSnapshot).toBe(false)
    expect(reopened.warnings.join('\n')).toMatch(
      /state snapshot \(state\.json\) was not used: its state does not match block 255's state root; verified from genesis/,
    )
    expect(reopened.state.accounts[someone]!.balance).toBe(original.chain.state.accounts[someone]!.balance)
    expect(open(dir).fromSnapshot).toBe(true)
  })

  it('refuses a block altered after the snapshot at start-up, naming it', () => {
    const dir = copy()
    tamperBlock(dir, ROUNDS)
    expect(() => open(dir)).toThrow(
      new RegExp(
        `invalid at block ${ROUNDS} \\(transaction\\): block ${ROUNDS}, transaction 0: transaction id [0-9a-f]+ is not the hash of its body`,
      ),
    )
  })

  it('finds a block altered before the snapshot in the full check that follows start-up (as privx verify does)', async () => {
    const dir = copy()
    tamperBlock(dir, 10)
    const reopened = open(dir)
    expect(reopened.fromSnapshot).toBe(true)
    const full = await reopened.reverify()
    expect(full).toMatchObject({ ok: true, value: { ok: false, index: 10, check: 'transaction' } })
    expect(reopened.verified()).toMatchObject({ ok: false, index: 10 })
    const stored = new ChainStore(dir).load()
    expect(stored.ok || stored.fault).toMatchObject({ index: 10, check: 'transaction' })
  })

  it('halts a chain whose background check fails: no block is added to a history start-up would refuse', async () => {
    const dir = copy()
    tamperBlock(dir, 10)
    const reopened = open(dir)
    const log = new EventLog()
    verifyInBackground(reopened, log)
    await vi.waitFor(() => expect(log.entries.some((e) => e.level === 'error')).toBe(true), {
      timeout: 30_000,
    })
    expect(log.entries.find((e) => e.level === 'error')?.text).toMatch(
      /the stored chain is invalid at block 10 \(transaction\).*no more blocks are written/,
    )
    const refused = reopened.recordRound(record(ROUNDS + 1))
    expect(refused.ok || refused.error).toMatchObject({ code: 'invalid-state' })
    expect(refused.ok || refused.error.message).toMatch(/invalid at block 10.*takes no more transactions/)
  })
})

describe('a state snapshot that cannot be written', () => {
  it('costs a warning, never the block (the snapshot is a cache)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'privx-snapshot-fail-'))
    try {
      // A directory where the snapshot goes: writing it fails as a full disk would.
      mkdirSync(join(dir, 'state.json'))
      const chain = open(dir)
      expect(chain.warnings).toEqual([])
      const warnings: string[] = []
      chain.onWarning((message) => warnings.push(message))
      expect(chain.registerTask({ id: TASK, name: 'snapshot' } as never).ok).toBe(true)
      for (let round = 1; chain.blocks.length < SNAPSHOT_INTERVAL + 2; round++)
        expect(chain.recordRound(record(round)).ok).toBe(true)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(
        /state snapshot at block 255 was not written \(.*\): the next start-up replays more blocks/,
      )
      const stored = new ChainStore(dir).load()
      expect(stored.ok && stored.blocks.length).toBe(chain.blocks.length)
      // A snapshot that cannot be read is a cache missed: start-up says so and replays from genesis.
      const reopened = open(dir)
      expect(reopened.fromSnapshot).toBe(false)
      expect(reopened.warnings.join('\n')).toMatch(
        /state snapshot \(state\.json\) could not be read \(EISDIR/,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
