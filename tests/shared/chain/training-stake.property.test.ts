import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalBytes, hashOf, type Json } from '../../../shared/chain/encoding'
import { generateKeyPair, type KeyPair, sign } from '../../../shared/chain/keys'
import { applyTransaction } from '../../../shared/chain/ledger'
import {
  accountOf,
  type ChainState,
  circulating,
  REJECT_REASONS,
  SLASHABLE_REASONS,
  type Stake,
} from '../../../shared/chain/state'
import type { SignedTransaction, TransactionBody } from '../../../shared/chain/transaction'
import { CHAIN, Ledger, record } from './stake-ledger'

const configHash = 'e'.repeat(64)
const TASKS = ['staked', 'free', 'short'] as const

/** Mostly plain fractions; sometimes any double in [0, 1] (fast-check's favour tiny and boundary ones). */
const fraction = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
)
const entry = fc.record({
  who: fc.nat(3),
  examples: fc.integer({ min: 1, max: 1000 }),
  verdict: fc.constantFrom(undefined, 'accepted', 'clipped', 'rejected', 'rejected'),
  reason: fc.constantFrom(...REJECT_REASONS),
  weightShare: fc.option(fraction),
  score: fc.option(fraction),
})
const task = fc.nat(TASKS.length - 1)
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary })
const op = fc.oneof(
  weighted(1, fc.record({ kind: fc.constant('claim' as const), who: fc.nat(3) })),
  weighted(3, fc.record({ kind: fc.constant('stake' as const), who: fc.nat(3), task })),
  weighted(
    1,
    fc.record({
      kind: fc.constant('fund' as const),
      who: fc.nat(3),
      task,
      amount: fc.integer({ min: 1, max: 80 }),
    }),
  ),
  weighted(
    1,
    fc.record({
      kind: fc.constant('burn' as const),
      who: fc.nat(3),
      amount: fc.integer({ min: 1, max: 60 }),
    }),
  ),
  weighted(
    4,
    fc.record({
      kind: fc.constant('record' as const),
      task,
      entries: fc.array(entry, { minLength: 1, maxLength: 5 }),
      rate: fc.constantFrom(0, 0.01, 0.5, 1, 3),
    }),
  ),
  weighted(1, fc.record({ kind: fc.constant('finish' as const), task })),
  weighted(1, fc.record({ kind: fc.constant('foreign' as const), who: fc.nat(3), victim: fc.nat(3), task })),
  weighted(1, fc.record({ kind: fc.constant('replay' as const), back: fc.nat(20) })),
  weighted(1, fc.record({ kind: fc.constant('unknown' as const), who: fc.nat(3) })),
  weighted(1, fc.record({ kind: fc.constant('usurp' as const), who: fc.nat(3), task, finish: fc.boolean() })),
)
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never

/** A transaction that says it is from `victim` but is signed by `signer`. */
function forged(signer: KeyPair, victim: KeyPair, state: ChainState, taskId: string): SignedTransaction {
  const body: TransactionBody = {
    chainId: CHAIN,
    from: victim.address,
    publicKey: victim.publicKey,
    nonce: accountOf(state, victim.address).nonce,
    type: 'training.stake',
    payload: { taskId },
    timestamp: 1,
  }
  const id = hashOf(body as unknown as Json)
  return { id, body, signature: sign(canonicalBytes(id), signer.secretKey) }
}

const stakesOf = (state: ChainState): [string, string, Stake][] =>
  Object.values(state.tasks).flatMap((t) =>
    Object.entries(t.stakes ?? {}).map(([a, s]): [string, string, Stake] => [t.taskId, a, s]),
  )

/** Every invariant of the training contract's money, checked on each state reached. */
function checkInvariants(before: ChainState, after: ChainState): void {
  expect(circulating(after)).toBe(after.supply.minted - after.supply.burned)
  for (const a of Object.values(after.accounts))
    expect(Number.isInteger(a.balance) && a.balance >= 0).toBe(true)
  for (const t of Object.values(after.tasks)) expect(Number.isInteger(t.escrow) && t.escrow >= 0).toBe(true)
  for (const [taskId, address, s] of stakesOf(after)) {
    const t = after.tasks[taskId]!
    expect(s.amount).toBe(t.stake)
    expect(s.held >= 0 && s.slashed >= 0).toBe(true)
    expect(s.held + s.slashed + (s.released ?? 0)).toBe(s.amount)
    if (s.released !== null) expect(s.held).toBe(0)
    if (t.finished) expect(s.released).not.toBeNull()
    const slashes = after.rounds
      .filter((r) => r.taskId === taskId)
      .flatMap((r) => r.slashes ?? [])
      .filter((x) => x.address === address)
    expect(slashes.reduce((sum, x) => sum + x.amount, 0)).toBe(s.slashed)
    const was = before.tasks[taskId]?.stakes?.[address]
    if (was) {
      // Released exactly once: a released stake never changes again; slashes only add up.
      if (was.released !== null) expect(s).toEqual(was)
      expect(s.slashed).toBeGreaterThanOrEqual(was.slashed)
    }
  }
  for (const r of after.rounds.slice(before.rounds.length)) {
    const t = before.tasks[r.taskId]!
    for (const x of r.slashes ?? []) {
      expect(SLASHABLE_REASONS).toContain(x.reason)
      expect(r.participants.some((p) => p.address === x.address && p.reason === x.reason)).toBe(true)
      expect(x.amount).toBeLessThanOrEqual(Math.ceil((t.stake! * (t.slashPercent ?? 50)) / 100))
    }
    expect(new Set(r.slashes?.map((x) => x.address)).size).toBe(r.slashes?.length ?? 0)
    // Only counted participants with a held stake (in a staked task) are paid; slashed tokens went to the escrow.
    r.participants.forEach((p, i) => {
      const held = t.stakes?.[p.address]?.held ?? 0
      if (p.verdict === 'rejected' || (t.stake && held === 0)) expect(r.rewards[i]!.amount).toBe(0)
    })
    const paid = r.rewards.reduce((s, x) => s + x.amount, 0)
    const slashed = (r.slashes ?? []).reduce((s, x) => s + x.amount, 0)
    const now = after.tasks[r.taskId]!
    expect(now.escrow).toBe(t.escrow + slashed - paid)
  }
}

describe('training contract stakes, property-based', () => {
  it('conserves supply, keeps every balance, escrow and stake whole, and settles each stake exactly once', () => {
    const seen = { stakes: 0, slashes: 0, lastRounds: 0, paid: 0 }
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 40, size: 'medium' }), (ops: Op[]) => {
        const ledger = new Ledger(100)
        const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()]
        const p = ledger.producer
        ledger.must(p, 'training.register-task', { taskId: 'staked', name: 'S', configHash, stake: 30 })
        ledger.must(p, 'training.register-task', { taskId: 'free', name: 'F', configHash })
        const short = { taskId: 'short', name: 'L', configHash, stake: 7, slashPercent: 35, lastRound: 3 }
        ledger.must(p, 'training.register-task', short)
        for (const k of keys.slice(0, 3)) ledger.must(k, 'token.claim', {})
        ledger.must(p, 'token.mint', { to: p.address, amount: 300 })
        for (const id of TASKS) ledger.must(p, 'training.fund', { taskId: id, amount: 100 })
        const applied: SignedTransaction[] = []
        for (const o of ops) {
          const before = ledger.state
          const taskId: string = 'task' in o ? TASKS[o.task]! : 'free'
          const t = before.tasks[taskId]!
          let expectRefusal: string | null = null
          let sent: ReturnType<Ledger['send']> | null = null
          switch (o.kind) {
            case 'claim':
              sent = ledger.send(keys[o.who]!, 'token.claim', {})
              break
            case 'burn':
              sent = ledger.send(keys[o.who]!, 'token.burn', { amount: o.amount })
              break
            case 'stake': {
              const k = keys[o.who]!
              if (
                t.finished ||
                !t.stake ||
                t.stakes?.[k.address] ||
                accountOf(before, k.address).balance < t.stake
              )
                expectRefusal = 'any'
              sent = ledger.send(k, 'training.stake', { taskId })
              if (sent.result.ok)
                expect(ledger.balance(k)).toBe(accountOf(before, k.address).balance - t.stake!)
              break
            }
            case 'fund':
              if (t.finished) expectRefusal = 'invalid-state'
              sent = ledger.send(keys[o.who]!, 'training.fund', { taskId, amount: o.amount })
              break
            case 'record': {
              const entries = o.entries.map((e) => ({
                who: keys[e.who]!,
                examples: e.examples,
                ...(e.verdict ? { verdict: e.verdict } : {}),
                ...(e.verdict === 'rejected' ? { reason: e.reason } : {}),
                ...(e.weightShare === null ? {} : { weight: Math.floor(e.examples * e.weightShare) }),
                ...(e.score === null ? {} : { score: e.score }),
              }))
              if (t.finished) expectRefusal = 'invalid-state'
              sent = ledger.send(p, 'training.record-round', record(before, taskId, entries, o.rate))
              if (!t.finished) expect(sent.result.ok).toBe(true)
              break
            }
            case 'finish':
              expectRefusal = t.finished ? 'invalid-state' : null
              sent = ledger.send(p, 'training.finish-task', { taskId })
              if (!t.finished) expect(sent.result.ok).toBe(true)
              break
            case 'foreign': {
              const signer = keys[(o.victim + 1 + (o.who % 3)) % 4]!
              const tx = forged(signer, keys[o.victim]!, before, taskId)
              const r = applyTransaction(before, tx)
              expect(r).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
              break
            }
            case 'replay': {
              const tx = applied[applied.length - 1 - o.back]
              if (!tx) break
              const r = applyTransaction(before, tx)
              expect(r).toMatchObject({ ok: false, error: { code: 'replay' } })
              break
            }
            case 'unknown':
              expectRefusal = 'bad-payload'
              sent = ledger.send(keys[o.who]!, 'training.unstake', { taskId: 'staked' })
              break
            case 'usurp':
              // Rounds, finishes and registrations come from the producer alone.
              expectRefusal = 'forbidden'
              sent = o.finish
                ? ledger.send(keys[o.who]!, 'training.finish-task', { taskId })
                : ledger.send(
                    keys[o.who]!,
                    'training.record-round',
                    record(before, taskId, [{ who: keys[0]! }]),
                  )
              break
          }
          if (sent) {
            if (sent.result.ok) applied.push(sent.tx)
            else {
              expect(ledger.state).toBe(before)
              expect(sent.result.error.message.length).toBeGreaterThan(10)
            }
            if (expectRefusal) {
              expect(sent.result.ok).toBe(false)
              if (expectRefusal !== 'any' && !sent.result.ok)
                expect(sent.result.error.code).toBe(expectRefusal)
            }
          }
          checkInvariants(before, ledger.state)
        }
        // Ending every task releases every stake left; afterwards nothing is locked.
        for (const id of TASKS)
          if (!ledger.task(id).finished) ledger.must(p, 'training.finish-task', { taskId: id })
        for (const [, , s] of stakesOf(ledger.state)) expect(s.held).toBe(0)
        const rounds = ledger.state.rounds.toArray()
        seen.stakes += stakesOf(ledger.state).length
        seen.slashes += rounds.reduce((n, r) => n + (r.slashes?.length ?? 0), 0)
        seen.lastRounds += rounds.filter((r) => r.finished).length
        seen.paid += rounds.filter((r) => r.rewards.some((x) => x.amount > 0)).length
        expect(circulating(ledger.state)).toBe(ledger.state.supply.minted - ledger.state.supply.burned)
      }),
      { numRuns: 40, seed: 20261203 },
    )
    // The sequences reach what they are meant to test.
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(5)
  })
})
