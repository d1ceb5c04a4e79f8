import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RoundLog } from '../../../shared/chain/round-log'
import { type ChainState, emptyState, type TrainingRound } from '../../../shared/chain/state'
import { commitmentOf, fullStateRoot } from '../../../shared/chain/state-commitment'
import { EMPTY_MARKET } from '../../../shared/market/types'

const address = (n: number): string => `px${n.toString(16).padStart(40, '0')}`

const round = (taskId: string, n: number, seed: number): TrainingRound => ({
  taskId,
  round: n,
  modelRound: n,
  modelBefore: 'a'.repeat(64),
  modelAfter: seed.toString(16).padStart(64, '0'),
  participants: [{ address: address(seed % 5), updateHash: 'b'.repeat(64), examples: seed }],
  metrics: { accuracy: (seed % 100) / 100 },
  privacy: null,
  homomorphic: seed % 2 === 0,
  rewards: [],
})

/** One change to a state, as a contract might make (or not: deletions and forks exercise the commitment too). */
const change = fc.oneof(
  fc.record({ kind: fc.constant('account' as const), who: fc.nat(6), balance: fc.nat(1000) }),
  fc.record({ kind: fc.constant('drop-account' as const), who: fc.nat(6) }),
  fc.record({
    kind: fc.constant('task' as const),
    id: fc.constantFrom('t1', 't2', 't3'),
    escrow: fc.nat(500),
  }),
  fc.record({ kind: fc.constant('round' as const), id: fc.constantFrom('t1', 't2'), seed: fc.nat(10_000) }),
  fc.record({ kind: fc.constant('fork' as const), keep: fc.nat(20), seed: fc.nat(10_000) }),
  fc.record({ kind: fc.constant('supply' as const), minted: fc.nat(10_000) }),
  fc.record({
    kind: fc.constant('market' as const),
    present: fc.boolean(),
    stars: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('rating' as const), stars: fc.integer({ min: 1, max: 5 }) }),
)
type Change = typeof change extends fc.Arbitrary<infer T> ? T : never

function applied(state: ChainState, c: Change): ChainState {
  switch (c.kind) {
    case 'account':
      return {
        ...state,
        accounts: {
          ...state.accounts,
          [address(c.who)]: { balance: c.balance, nonce: 0, faucetClaimed: false },
        },
      }
    case 'drop-account': {
      const { [address(c.who)]: _, ...rest } = state.accounts
      return { ...state, accounts: rest }
    }
    case 'task':
      return {
        ...state,
        tasks: {
          ...state.tasks,
          [c.id]: { taskId: c.id, name: c.id, configHash: 'c'.repeat(64), escrow: c.escrow, rounds: 0 },
        },
      }
    case 'round':
      return { ...state, rounds: state.rounds.append(round(c.id, state.rounds.length + 1, c.seed)) }
    case 'fork': {
      // An older version appended to: the log copies its prefix (a fork) instead of sharing the buffer.
      const older = RoundLog.from(state.rounds.slice(0, Math.min(c.keep, state.rounds.length)))
      return { ...state, rounds: older.append(round('t1', older.length + 1, c.seed)) }
    }
    case 'supply':
      return { ...state, supply: { minted: c.minted, burned: 0 } }
    case 'market': {
      if (!c.present) {
        const { market: _, ...rest } = state
        return rest
      }
      return { ...state, market: { ...EMPTY_MARKET, nextDataset: c.stars } }
    }
    case 'rating': {
      const market = state.market ?? EMPTY_MARKET
      const rating = {
        datasetId: 'd1',
        consumer: address(1),
        stars: c.stars,
      } as unknown as (typeof market.ratings)[number]
      return { ...state, market: { ...market, ratings: [...market.ratings, rating] } }
    }
  }
}

describe('the incremental state commitment', () => {
  it('equals a full recomputation after any sequence of state changes', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
        let state = emptyState('prop-chain')
        expect(commitmentOf(state).root).toBe(fullStateRoot(state))
        for (const c of changes) {
          const next = applied(state, c)
          expect(commitmentOf(next, state).root).toBe(fullStateRoot(next))
          state = next
        }
      }),
      { numRuns: 150 },
    )
  })

  it('changes when any one leaf changes, and tells an empty collection from an absent one', () => {
    const base = { ...emptyState('c'), rounds: RoundLog.EMPTY.append(round('t1', 1, 7)) }
    const roots = new Set([
      fullStateRoot(base),
      fullStateRoot({ ...base, market: EMPTY_MARKET }),
      fullStateRoot({ ...base, rounds: RoundLog.EMPTY.append(round('t1', 1, 8)) }),
      fullStateRoot({ ...base, faucetAmount: 1 }),
      fullStateRoot({ ...base, accounts: { [address(1)]: { balance: 0, nonce: 0, faucetClaimed: false } } }),
      fullStateRoot({ ...base, chainId: 'd' }),
    ])
    expect(roots.size).toBe(6)
  })
})

describe('the round log', () => {
  it('appends without copying, and an older version that appends forks instead of seeing newer records', () => {
    const one = RoundLog.EMPTY.append(round('t1', 1, 1))
    const two = one.append(round('t2', 1, 2))
    const three = two.append(round('t1', 2, 3))
    expect(three.extends(one)).toBe(true)
    const other = one.append(round('t1', 2, 99))
    expect(other.extends(one)).toBe(false)
    expect(two.length).toBe(2)
    expect(other.map((r) => r.modelAfter.slice(-2))).toEqual(['01', '63'])
    expect(three.forTask('t1').map((r) => r.round)).toEqual([1, 2])
    expect(two.forTask('t1').map((r) => r.round)).toEqual([1])
    expect(three.lastOfTask('t2')?.round).toBe(1)
    expect(one.lastOfTask('t2')).toBeNull()
    // The same record appended again to an older version (a verifier replaying a block) shares the buffer.
    const replayed = one.append(round('t2', 1, 2))
    expect(replayed.extends(one) && three.extends(replayed)).toBe(true)
    expect(JSON.parse(JSON.stringify(three)).length).toBe(3)
  })
})

describe('leaf paths', () => {
  it('escape keys, so an entry whose key holds "/" cannot stand for another entry', () => {
    const base = emptyState('c')
    const nested = { ...EMPTY_MARKET, datasets: { x: { collection: 'record' }, 'x/y': 5 } }
    const flat = { ...EMPTY_MARKET, 'datasets/x': { y: 5 }, datasets: { x: { collection: 'record' } } }
    expect(fullStateRoot({ ...base, market: nested } as unknown as ChainState)).not.toBe(
      fullStateRoot({ ...base, market: flat } as unknown as ChainState),
    )
  })
})
