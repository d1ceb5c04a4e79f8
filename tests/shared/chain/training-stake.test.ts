import { describe, expect, it } from 'vitest'
import { heldStake } from '../../../shared/chain/contracts/stake'
import { generateKeyPair } from '../../../shared/chain/keys'
import { circulating } from '../../../shared/chain/state'
import { buyerKey, listingPayload } from '../../helpers/market-fixtures'
import { type Entry, Ledger, record } from './stake-ledger'

const configHash = 'e'.repeat(64)

/** A chain with a task "t" asking a stake of 20, escrow 100, and alice, bob and carol (100 tokens each). */
function staked(settings: Record<string, unknown> = {}) {
  const ledger = new Ledger()
  const [alice, bob, carol] = [generateKeyPair(), generateKeyPair(), generateKeyPair()]
  for (const k of [alice, bob, carol]) ledger.must(k, 'token.claim', {})
  ledger.must(ledger.producer, 'training.register-task', {
    taskId: 't',
    name: 'Task',
    configHash,
    stake: 20,
    ...settings,
  })
  ledger.must(ledger.producer, 'token.mint', { to: ledger.producer.address, amount: 100 })
  ledger.must(ledger.producer, 'training.fund', { taskId: 't', amount: 100 })
  return { ledger, alice, bob, carol }
}

const conserved = (ledger: Ledger) =>
  expect(circulating(ledger.state)).toBe(ledger.state.supply.minted - ledger.state.supply.burned)

describe('training contract: stakes', () => {
  it('records the stake with the task; a task registered without one asks none, and stores nothing new', () => {
    const { ledger } = staked({ slashPercent: 25, lastRound: 3 })
    expect(ledger.task('t')).toMatchObject({ stake: 20, slashPercent: 25, lastRound: 3, escrow: 100 })
    ledger.must(ledger.producer, 'training.register-task', {
      taskId: 'plain',
      name: 'P',
      configHash,
      stake: 0,
    })
    expect(Object.keys(ledger.task('plain')).sort()).toEqual([
      'configHash',
      'escrow',
      'name',
      'rounds',
      'taskId',
    ])
    ledger.refused(
      ledger.producer,
      'training.register-task',
      { taskId: 'x', name: 'X', configHash, slashPercent: 10 },
      'bad-payload',
      /only a task that asks a stake/,
    )
  })

  it('locks a stake from the balance once, and refuses it with the reason otherwise', () => {
    const { ledger, alice, bob } = staked()
    expect(heldStake(ledger.state, 't', alice.address)).toBe(0)
    ledger.must(alice, 'training.stake', { taskId: 't' })
    expect(ledger.balance(alice)).toBe(80)
    expect(heldStake(ledger.state, 't', alice.address)).toBe(20)
    expect(ledger.task('t').stakes).toEqual({
      [alice.address]: { amount: 20, held: 20, slashed: 0, released: null },
    })
    conserved(ledger)
    ledger.refused(alice, 'training.stake', { taskId: 't' }, 'duplicate-update', /already staked in task t/)
    ledger.refused(alice, 'training.stake', { taskId: 'nope' }, 'bad-payload', /no task nope/)
    ledger.refused(alice, 'training.stake', { taskId: 'T!' }, 'bad-payload', /invalid stake: taskId/)
    ledger.must(ledger.producer, 'training.register-task', { taskId: 'free', name: 'F', configHash })
    ledger.refused(alice, 'training.stake', { taskId: 'free' }, 'invalid-state', /asks no stake/)
    ledger.must(bob, 'token.burn', { amount: 90 })
    ledger.refused(
      bob,
      'training.stake',
      { taskId: 't' },
      'insufficient-funds',
      /has 10; task t asks a stake of 20/,
    )
  })

  it('slashes a share of the stake of an update rejected as broken or out of bounds into the escrow, with the reason', () => {
    const { ledger, alice, bob, carol } = staked()
    for (const k of [alice, bob, carol]) ledger.must(k, 'training.stake', { taskId: 't' })
    const entries: Entry[] = [
      { who: alice, verdict: 'accepted' },
      { who: bob, verdict: 'rejected', reason: 'over-bound' },
      { who: carol, verdict: 'rejected', reason: 'outlier' },
    ]
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', entries, 2))
    const r = ledger.state.rounds.at(-1)!
    expect(r.slashes).toEqual([{ round: 1, address: bob.address, amount: 10, reason: 'over-bound' }])
    expect(r.participants[1]).toMatchObject({ verdict: 'rejected', reason: 'over-bound' })
    // Only alice is paid (10 examples x 2); bob's 10 went to the escrow; carol, an outlier, keeps her stake.
    expect(r.rewards.map((x) => x.amount)).toEqual([20, 0, 0])
    expect(ledger.task('t').escrow).toBe(100 + 10 - 20)
    expect(ledger.task('t').stakes![bob.address]).toEqual({
      amount: 20,
      held: 10,
      slashed: 10,
      released: null,
    })
    expect(ledger.task('t').stakes![carol.address]!.held).toBe(20)
    // A second slash takes the rest, never more than what is held; then nothing is left to slash or to be paid for.
    const again: Entry[] = [{ who: bob, verdict: 'rejected', reason: 'non-finite' }]
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', [...again, ...again], 2))
    expect(ledger.state.rounds.at(-1)!.slashes).toEqual([
      { round: 2, address: bob.address, amount: 10, reason: 'non-finite' },
    ])
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', [{ who: bob }], 2))
    expect(ledger.state.rounds.at(-1)!.rewards[0]!.amount).toBe(0)
    expect(ledger.state.rounds.at(-1)!.slashes).toBeUndefined()
    conserved(ledger)
  })

  it('pays only counted participants that staked, by capped weight x score, else by examples', () => {
    const { ledger, alice, bob, carol } = staked()
    const dave = generateKeyPair()
    for (const k of [alice, bob, carol]) ledger.must(k, 'training.stake', { taskId: 't' })
    const entries: Entry[] = [
      { who: alice, examples: 1e9, weight: 40, score: 1 },
      { who: bob, verdict: 'clipped', examples: 40, weight: 40, score: 0.5 },
      { who: carol, examples: 20 },
      { who: dave, examples: 40 },
    ]
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', entries, 1))
    // Units: 40, 20, 20, 0 (dave never staked): 80 owed from an escrow of 100.
    expect(ledger.state.rounds.at(-1)!.rewards.map((x) => x.amount)).toEqual([40, 20, 20, 0])
    expect(ledger.task('t').escrow).toBe(20)
    // Short escrow: pro rata, floored.
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', entries, 1))
    expect(ledger.state.rounds.at(-1)!.rewards.map((x) => x.amount)).toEqual([10, 5, 5, 0])
    conserved(ledger)
  })

  it('refuses verdicts that do not add up', () => {
    const { ledger, alice } = staked()
    const bad: Entry[][] = [
      [{ who: alice, verdict: 'rejected' }],
      [{ who: alice, verdict: 'accepted', reason: 'malformed' }],
      [{ who: alice, verdict: 'rejected', reason: 'cosmic-rays' }],
      [{ who: alice, examples: 10, weight: 11 }],
      [{ who: alice, score: 1.5 }],
      [{ who: alice, verdict: 'dubious' as never }],
    ]
    for (const entries of bad)
      ledger.refused(
        ledger.producer,
        'training.record-round',
        record(ledger.state, 't', entries),
        'bad-payload',
      )
  })

  it('releases every stake left, exactly once, when the producer finishes the task; nothing happens in it after', () => {
    const { ledger, alice, bob } = staked()
    for (const k of [alice, bob]) ledger.must(k, 'training.stake', { taskId: 't' })
    const entries: Entry[] = [{ who: alice }, { who: bob, verdict: 'rejected', reason: 'malformed' }]
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', entries, 0))
    ledger.refused(alice, 'training.finish-task', { taskId: 't' }, 'forbidden', /only the producer/)
    ledger.must(ledger.producer, 'training.finish-task', { taskId: 't' })
    expect(ledger.balance(alice)).toBe(100)
    expect(ledger.balance(bob)).toBe(90)
    expect(ledger.task('t')).toMatchObject({ finished: true, escrow: 110 })
    expect(ledger.task('t').stakes![bob.address]).toEqual({ amount: 20, held: 0, slashed: 10, released: 10 })
    conserved(ledger)
    ledger.refused(
      ledger.producer,
      'training.finish-task',
      { taskId: 't' },
      'invalid-state',
      /task t is finished/,
    )
    ledger.refused(alice, 'training.stake', { taskId: 't' }, 'invalid-state', /finished/)
    ledger.refused(alice, 'training.fund', { taskId: 't', amount: 1 }, 'invalid-state', /finished/)
    const late = record(ledger.state, 't', [{ who: alice }])
    ledger.refused(ledger.producer, 'training.record-round', late, 'invalid-state', /finished/)
  })

  it('ends the task with its last round: the record says so and the stakes go back', () => {
    const { ledger, alice } = staked({ lastRound: 2 })
    ledger.must(alice, 'training.stake', { taskId: 't' })
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', [{ who: alice }], 0))
    expect(ledger.task('t').finished).toBeUndefined()
    ledger.must(ledger.producer, 'training.record-round', record(ledger.state, 't', [{ who: alice }], 1))
    expect(ledger.state.rounds.at(-1)).toMatchObject({ finished: true, rewards: [{ amount: 10 }] })
    expect(ledger.task('t')).toMatchObject({ finished: true, escrow: 90 })
    expect(ledger.balance(alice)).toBe(110)
    conserved(ledger)
  })

  it("releases a bought task's stakes when the market settles it", () => {
    const { ledger, alice } = staked()
    const provider = generateKeyPair()
    const buyer = generateKeyPair()
    for (const k of [provider, buyer]) ledger.must(k, 'token.claim', {})
    ledger.must(provider, 'market.register-provider', { name: 'P', description: '' })
    ledger.must(buyer, 'market.register-consumer', { name: 'B' })
    ledger.must(provider, 'market.list-dataset', listingPayload({ copyPrice: null, trainingPrice: 30 }))
    ledger.must(buyer, 'market.purchase', { datasetId: 'ds-1', kind: 'training', buyerKey })
    ledger.must(ledger.producer, 'market.start-training', { purchaseId: 'p-1', taskId: 't' })
    ledger.must(alice, 'training.stake', { taskId: 't' })
    ledger.must(ledger.producer, 'market.finish-training', { purchaseId: 'p-1' })
    expect(ledger.balance(alice)).toBe(100)
    expect(ledger.balance(provider)).toBe(100 + 130)
    expect(ledger.task('t')).toMatchObject({ finished: true, escrow: 0 })
    conserved(ledger)
  })
})
