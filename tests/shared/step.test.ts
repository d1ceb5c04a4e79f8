import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../shared/random'
import { defaultTrainingConfig, type TrainingConfig } from '../../shared/rounds/config'
import {
  type Effect,
  type Input,
  initialRoundState,
  phaseOf,
  type RoundState,
} from '../../shared/rounds/state'
import { step } from '../../shared/rounds/step'

/** What an accepted update says of itself besides its examples (the machine keeps it for the round's record). */
const REPORT = { updateHash: 'ab'.repeat(32), address: `px${'0'.repeat(40)}`, loss: 0.5, accuracy: 0.75 }

const config: TrainingConfig = { ...defaultTrainingConfig, rounds: 2, minClients: 2, roundDeadlineMs: 10_000 }
const deps = { random: seededRandom(42) }

/** Feeds inputs in order; returns the final state and every effect, each tagged with its input's index. */
function run(inputs: Input[], start: RoundState = initialRoundState(config)) {
  let state = start
  const effects: (Effect & { at: number })[] = []
  inputs.forEach((input, at) => {
    const result = step(state, input, deps)
    state = result.state
    effects.push(...result.effects.map((e) => ({ ...e, at })))
  })
  return { state, effects }
}

const join = (id: string, now = 0, examples = 100): Input[] => [
  { type: 'hello', now, id, backend: 'wasm' },
  { type: 'ready', now, id, examples },
]
type Tagged = Effect & { at: number }
const started = (effects: Tagged[]) => effects.filter((e) => e.type === 'round-started')
const acks = (effects: Tagged[]) => effects.flatMap((e) => (e.type === 'ack' ? [e.result] : []))

describe('round state machine', () => {
  it('waits for the minimum number of ready clients before the first round', () => {
    const { state, effects } = run([{ type: 'start', now: 0 }, ...join('a')])
    expect(phaseOf(state)).toBe('waiting')
    expect(started(effects)).toEqual([])
    const next = run(join('b', 5), state)
    expect(started(next.effects)).toEqual([
      {
        type: 'round-started',
        round: 1,
        plan: { kind: 'plain' },
        selected: expect.any(Array),
        deadline: 10_005,
        privacy: null,
        epsilonAfter: null,
        // Both declared 100 examples: the median, times the default cap of 3.
        maxWeight: 300,
        at: 1,
      },
    ])
    expect(phaseOf(next.state)).toBe('training')
  })

  it('does not start before start, and a client that joins mid-round waits', () => {
    const idle = run([...join('a'), ...join('b')])
    expect(phaseOf(idle.state)).toBe('idle')
    const { state } = run([{ type: 'start', now: 1 }, ...join('c', 2)], idle.state)
    expect(state.round?.selected).toHaveLength(2)
    expect(state.clients.get('c')?.status).toBe('waiting')
    expect(state.round?.selected).not.toContain('c')
  })

  it('samples clientsPerRound of the ready clients', () => {
    const few = { ...config, clientsPerRound: 2 }
    const { state } = run(
      [...join('a'), ...join('b'), ...join('c'), ...join('d'), { type: 'start', now: 1 }],
      initialRoundState(few),
    )
    expect(state.round?.selected).toHaveLength(2)
    expect(new Set(state.round?.selected).size).toBe(2)
  })

  it('completes a round when every selected client reported, then starts the next', () => {
    const { state, effects } = run([
      ...join('a'),
      ...join('b', 0, 300),
      { type: 'start', now: 1 },
      { type: 'update', now: 2, id: 'a', round: 1, examples: 100, ...REPORT },
      { type: 'update', now: 3, id: 'b', round: 1, examples: 300, ...REPORT },
    ])
    expect(
      effects.filter((e) => e.type === 'accumulate').map((e) => e.type === 'accumulate' && e.examples),
    ).toEqual([100, 300])
    const done = effects.find((e) => e.type === 'round-completed')
    expect(done).toMatchObject({ round: 1, examples: 400, at: 6 })
    expect(state.completedRounds).toBe(1)
    expect(state.round?.number).toBe(2)
    expect(started(effects).map((e) => e.at)).toEqual([4, 6])
  })

  it('rejects stale, duplicate, unselected and unjoined updates with clear codes', () => {
    const base = run(
      [...join('a'), ...join('b'), ...join('c'), { type: 'start', now: 1 }],
      initialRoundState({ ...config, clientsPerRound: 2 }),
    )
    const outsider = ['a', 'b', 'c'].find((id) => !base.state.round!.selected.includes(id))!
    const insider = base.state.round!.selected[0]!
    const { effects, state } = run(
      [
        { type: 'update', now: 2, id: insider, round: 0, examples: 10, ...REPORT },
        { type: 'update', now: 2, id: outsider, round: 1, examples: 10, ...REPORT },
        { type: 'update', now: 2, id: 'ghost', round: 1, examples: 10, ...REPORT },
        { type: 'update', now: 2, id: insider, round: 1, examples: 10_000, ...REPORT },
        { type: 'update', now: 2, id: insider, round: 1, examples: 10, ...REPORT },
        { type: 'update', now: 3, id: insider, round: 1, examples: 10, ...REPORT },
      ],
      base.state,
    )
    expect(acks(effects).map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'stale-round',
      'not-selected',
      'not-joined',
      'bad-payload',
      'ok',
      'duplicate-update',
    ])
    expect(acks(effects)[0]).toMatchObject({
      error: { message: 'update for round 0, but round 1 is running' },
    })
    expect(state.round?.reported.size).toBe(1)
  })

  it('at the deadline, drops the silent clients and aggregates the partial round if a quorum reported', () => {
    const { state, effects } = run([
      ...join('a'),
      ...join('b'),
      ...join('c'),
      { type: 'start', now: 0 },
      { type: 'update', now: 5, id: 'a', round: 1, examples: 100, ...REPORT },
      { type: 'update', now: 6, id: 'b', round: 1, examples: 100, ...REPORT },
      { type: 'tick', now: 9_999 },
      { type: 'tick', now: 10_000 },
      { type: 'update', now: 10_001, id: 'c', round: 1, examples: 100, ...REPORT },
    ])
    const dropped = effects.filter((e) => e.type === 'client-dropped')
    expect(dropped).toEqual([
      { type: 'client-dropped', id: 'c', round: 1, reason: 'missed the deadline', at: 10 },
    ])
    expect(effects.find((e) => e.type === 'round-completed')).toMatchObject({
      round: 1,
      participants: ['a', 'b'],
      at: 10,
    })
    expect(acks(effects).at(-1)).toMatchObject({ ok: false, error: { code: 'stale-round' } })
    expect(state.outcomes[0]).toMatchObject({ status: 'completed', selected: 3 })
  })

  it('abandons the round when the quorum is lost, keeping the model, and says why', () => {
    const { state, effects } = run([
      ...join('a'),
      ...join('b'),
      ...join('c'),
      ...join('d'),
      { type: 'start', now: 0 },
      { type: 'update', now: 1, id: 'a', round: 1, examples: 100, ...REPORT },
      { type: 'leave', now: 2, id: 'b' },
      { type: 'leave', now: 3, id: 'c' },
      { type: 'tick', now: 10_000 },
    ])
    const abandoned = effects.find((e) => e.type === 'round-abandoned')
    expect(abandoned).toMatchObject({ round: 1, at: 12 })
    expect(abandoned?.type === 'round-abandoned' && abandoned.reason).toBe(
      'only 1 of 4 updates arrived (quorum 2; 2 left, 1 missed the deadline)',
    )
    expect(state.completedRounds).toBe(0)
    expect(state.round?.number).toBe(2)
    expect([...(state.round?.selected ?? [])].sort()).toEqual(['a', 'd'])
  })

  it('completes at once when the last missing client leaves and the rest reported', () => {
    const { effects } = run([
      ...join('a'),
      ...join('b'),
      ...join('c'),
      { type: 'start', now: 0 },
      { type: 'update', now: 1, id: 'a', round: 1, examples: 100, ...REPORT },
      { type: 'update', now: 1, id: 'b', round: 1, examples: 100, ...REPORT },
      { type: 'leave', now: 2, id: 'c' },
    ])
    expect(effects.find((e) => e.type === 'round-completed')).toMatchObject({
      at: 9,
      participants: ['a', 'b'],
    })
  })

  it('finishes after the configured rounds, and refuses to start again until rounds are raised', () => {
    const inputs: Input[] = [...join('a'), ...join('b'), { type: 'start', now: 0 }]
    for (const round of [1, 2]) {
      inputs.push(
        { type: 'update', now: round, id: 'a', round, examples: 1, ...REPORT },
        { type: 'update', now: round, id: 'b', round, examples: 1, ...REPORT },
      )
    }
    inputs.push({ type: 'start', now: 9 })
    const { state, effects } = run(inputs)
    expect(phaseOf(state)).toBe('finished')
    expect(effects.filter((e) => e.type === 'training-finished')).toHaveLength(1)
    expect(acks(effects).at(-1)).toMatchObject({ ok: false, error: { code: 'invalid-state' } })
    const more = run(
      [
        { type: 'configure', now: 10, config: { ...config, rounds: 3 } },
        { type: 'start', now: 11 },
      ],
      state,
    )
    expect(more.state.round?.number).toBe(3)
  })

  it('pause lets the current round finish and starts no other; reset abandons and clears', () => {
    const { state, effects } = run([
      ...join('a'),
      ...join('b'),
      { type: 'start', now: 0 },
      { type: 'pause', now: 1 },
      { type: 'update', now: 2, id: 'a', round: 1, examples: 1, ...REPORT },
      { type: 'update', now: 3, id: 'b', round: 1, examples: 1, ...REPORT },
    ])
    expect(effects.find((e) => e.type === 'round-completed')).toBeTruthy()
    expect(started(effects)).toHaveLength(1)
    expect(phaseOf(state)).toBe('paused')
    const restarted = run(
      [
        { type: 'start', now: 4 },
        { type: 'reset', now: 5 },
      ],
      state,
    )
    expect(restarted.effects.map((e) => e.type)).toEqual([
      'ack',
      'round-started',
      'round-abandoned',
      'reset',
      'ack',
    ])
    expect(restarted.state.completedRounds).toBe(0)
    expect(phaseOf(restarted.state)).toBe('idle')
    expect(restarted.state.clients.get('a')?.status).toBe('idle')
  })

  it('tracks the progress of selected clients only', () => {
    const { state } = run([
      ...join('a'),
      ...join('b'),
      { type: 'start', now: 0 },
      { type: 'progress', now: 1, id: 'a', round: 1, fraction: 0.4 },
      { type: 'progress', now: 1, id: 'b', round: 7, fraction: 0.9 },
    ])
    expect(state.clients.get('a')?.progress).toBe(0.4)
    expect(state.clients.get('b')?.progress).toBe(0)
  })
})

describe('round state machine with client-level DP', () => {
  const dp = {
    mode: 'distributed',
    exampleLevel: { enabled: false, clipNorm: 1, noiseMultiplier: 1 },
    clipNorm: 2,
    noiseMultiplier: 1.5,
    sampleRate: 0.5,
    delta: 1e-5,
    epsilonBudget: 50,
  } as const
  const dpConfig: TrainingConfig = { ...config, rounds: 100, privacy: dp }

  it('samples clients by Poisson sampling and tells them their noise share, counting every round', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`)
    const { state, effects } = run(
      [...ids.flatMap((id) => join(id)), { type: 'start', now: 1 }],
      initialRoundState(dpConfig),
    )
    const start = started(effects)[0]!
    if (start.type !== 'round-started') throw new Error('no round')
    expect(start.selected.length).toBeGreaterThan(8)
    expect(start.selected.length).toBeLessThan(32)
    const quorum = Math.ceil(0.5 * start.selected.length)
    expect(start.privacy).toEqual({
      mode: 'distributed',
      clipNorm: 2,
      noiseStd: (1.5 * 2) / Math.sqrt(quorum),
      denominator: 20,
    })
    expect(state.privacyLedger).toEqual([{ sampleRate: 0.5, noiseMultiplier: 1.5, steps: 1 }])
  })

  it('gives the full noise to each client in local mode', () => {
    const local = { ...dpConfig, privacy: { ...dp, mode: 'local', sampleRate: 1 } } as const
    const { effects } = run([...join('a'), ...join('b'), { type: 'start', now: 1 }], initialRoundState(local))
    const start = started(effects)[0]
    expect(start).toMatchObject({ privacy: { mode: 'local', noiseStd: 3, denominator: 2 } })
    expect(start?.type === 'round-started' && [...start.selected].sort()).toEqual(['a', 'b'])
  })

  it('ends a round nobody was sampled for at once, and still counts it', () => {
    const rare = { ...dpConfig, minClients: 1, privacy: { ...dp, sampleRate: 1e-9 } }
    const { state, effects } = run([...join('a'), { type: 'start', now: 1 }], initialRoundState(rare))
    expect(effects.find((e) => e.type === 'round-abandoned')).toMatchObject({ round: 1 })
    expect(state.privacyLedger[0]?.steps).toBe(1)
    expect(state.round).toBeNull()
  })

  it('stops before a round that would exceed the budget, and refuses to start again', () => {
    const tight = { ...dpConfig, privacy: { ...dp, sampleRate: 1, noiseMultiplier: 1, epsilonBudget: 8 } }
    const inputs: Input[] = [...join('a'), ...join('b'), { type: 'start', now: 0 }]
    for (let round = 1; round <= 3; round++) {
      inputs.push(
        { type: 'update', now: round, id: 'a', round, examples: 1, ...REPORT },
        { type: 'update', now: round, id: 'b', round, examples: 1, ...REPORT },
      )
    }
    inputs.push({ type: 'start', now: 9 })
    const { state, effects } = run(inputs, initialRoundState(tight))
    const stop = effects.find((e) => e.type === 'budget-exhausted')
    expect(stop).toMatchObject({ budget: 8 })
    expect(stop?.type === 'budget-exhausted' && stop.spent).toBeLessThanOrEqual(8)
    expect(stop?.type === 'budget-exhausted' && stop.next).toBeGreaterThan(8)
    expect(state.running).toBe(false)
    expect(acks(effects).at(-1)).toMatchObject({ ok: false, error: { code: 'over-budget' } })
    // The phase names the stop and its reason; a setting that is not privacy leaves it, a new budget clears it.
    expect(phaseOf(state)).toBe('stopped')
    expect(state.stopped).toMatch(
      /^the privacy budget is spent: epsilon [\d.]+ so far, the next round would reach/,
    )
    const relearn = step(
      state,
      { type: 'configure', now: 10, config: { ...state.config, learningRate: 0.02 } },
      deps,
    )
    expect(phaseOf(relearn.state)).toBe('stopped')
    const wider = { ...state.config, privacy: { ...state.config.privacy, epsilonBudget: 100 } }
    const rebudget = step(relearn.state, { type: 'configure', now: 11, config: wider }, deps)
    expect(rebudget.state.stopped).toBeNull()
    expect(phaseOf(rebudget.state)).toBe('paused')
  })
})

describe('one round, one place: plan, eligibility and reports live in the machine', () => {
  const encrypted: TrainingConfig = { ...config, encryption: { mode: 'bfv', clamp: 4 } }
  const custody = (keyId: string | null, holders: string[], now = 0): Input => ({
    type: 'key-custody',
    now,
    keyId,
    holders,
  })

  it('under encryption only the key holders are eligible, and the round is planned encrypted under that key', () => {
    const before = run(
      [...join('a'), ...join('b'), ...join('c'), { type: 'start', now: 0 }],
      initialRoundState(encrypted),
    )
    // No key yet: nobody can take part, so no round starts.
    expect(started(before.effects)).toEqual([])
    const some = run([custody('k1', ['a'], 1)], before.state)
    expect(started(some.effects)).toEqual([])
    const { state, effects } = run([custody('k1', ['a', 'b'], 2)], some.state)
    expect(started(effects)).toMatchObject([{ plan: { kind: 'encrypted', keyId: 'k1' } }])
    expect([...state.round!.selected].sort()).toEqual(['a', 'b'])
    // A holder that leaves takes its eligibility with it; the key changing clears every holder.
    const left = run([{ type: 'leave', now: 3, id: 'a' }, custody('k2', [], 4)], state)
    expect(left.state.keyHolders).toEqual({ keyId: 'k2', holders: new Set() })
  })

  it('in the clear every ready client is eligible, whatever the custody says', () => {
    const { effects } = run([...join('a'), ...join('b'), custody('k1', []), { type: 'start', now: 0 }])
    expect(started(effects)).toMatchObject([{ plan: { kind: 'plain' } }])
  })

  it('a declared example count buys at most the round cap: weightCap times the median declared count', () => {
    const { effects } = run([
      ...join('a', 0, 300),
      ...join('b', 0, 400),
      ...join('c', 0, 1e9),
      { type: 'start', now: 0 },
      { type: 'update', now: 1, id: 'a', round: 1, examples: 300, ...REPORT },
      { type: 'update', now: 1, id: 'b', round: 1, examples: 400, ...REPORT },
      { type: 'update', now: 1, id: 'c', round: 1, examples: 1e9, ...REPORT },
    ])
    expect(started(effects)[0]).toMatchObject({ maxWeight: 1200 })
    const weights = effects.flatMap((e) => (e.type === 'accumulate' ? [[e.id, e.weight]] : []))
    expect(Object.fromEntries(weights)).toEqual({ a: 300, b: 400, c: 1200 })
    const completed = effects.find((e) => e.type === 'round-completed')
    expect(completed?.type === 'round-completed' && completed.reports.get('c')).toMatchObject({
      examples: 1e9,
      weight: 1200,
    })
  })

  it("keeps each accepted update's report and hands them to the completed round, with weights for the aggregator", () => {
    const { effects } = run([
      ...join('a'),
      ...join('b', 0, 300),
      { type: 'start', now: 0 },
      { type: 'update', now: 1, id: 'a', round: 1, examples: 100, ...REPORT, loss: 0.4 },
      { type: 'update', now: 2, id: 'b', round: 1, examples: 300, ...REPORT, accuracy: 0.9 },
    ])
    expect(
      effects.filter((e) => e.type === 'accumulate').map((e) => e.type === 'accumulate' && e.weight),
    ).toEqual([100, 300])
    const completed = effects.find((e) => e.type === 'round-completed')
    expect(completed?.type === 'round-completed' && Object.fromEntries(completed.reports)).toEqual({
      a: { ...REPORT, examples: 100, weight: 100, loss: 0.4 },
      b: { ...REPORT, examples: 300, weight: 300, accuracy: 0.9 },
    })
    expect(completed).toMatchObject({
      plan: { kind: 'plain' },
      privacy: null,
      epsilonAfter: null,
      examples: 400,
    })
  })

  it('a signed update refused as broken drops its sender from the round and reaches the round record, once', () => {
    const threeJoin = { ...config, minClients: 3 }
    const error = { code: 'non-finite' as const, message: 'delta value 0 is NaN; updates must be finite' }
    const refused = {
      type: 'refused-update' as const,
      id: 'c',
      round: 1,
      reason: 'non-finite' as const,
      updateHash: 'cd'.repeat(32),
      address: REPORT.address,
      error,
    }
    const { state, effects } = run(
      [
        ...join('a'),
        ...join('b'),
        ...join('c', 0, 1e9),
        { type: 'start', now: 1 },
        { type: 'update', now: 2, id: 'a', round: 1, examples: 100, ...REPORT },
        { ...refused, now: 3 },
        // A second try, after the refusal: the sender sits out this round.
        { type: 'update', now: 4, id: 'c', round: 1, examples: 100, ...REPORT },
        { type: 'update', now: 5, id: 'b', round: 1, examples: 100, ...REPORT },
        // For a round nobody waits for, the refusal is only told, not recorded.
        { ...refused, now: 6, round: 9 },
      ],
      initialRoundState(threeJoin),
    )
    // Three readies and the start, then the updates.
    expect(
      acks(effects)
        .map((r) => (r.ok ? 'ok' : r.error.code))
        .slice(4),
    ).toEqual(['ok', 'non-finite', 'stale-round', 'ok', 'non-finite'])
    expect(effects.find((e) => e.type === 'client-dropped')).toMatchObject({
      id: 'c',
      reason: 'update refused (non-finite): delta value 0 is NaN; updates must be finite',
    })
    const completed = effects.find((e) => e.type === 'round-completed')
    expect(completed?.type === 'round-completed' && [...completed.reports.keys()]).toEqual(['a', 'b'])
    expect(completed?.type === 'round-completed' && Object.fromEntries(completed.refused)).toEqual({
      c: {
        reason: 'non-finite',
        updateHash: 'cd'.repeat(32),
        address: REPORT.address,
        examples: 1e9,
        detail: error.message,
      },
    })
    expect(state.round?.refused.size ?? 0).toBe(0)
  })

  it('a round the coordinator cannot run as planned is abandoned with the reason, and training stops until started', () => {
    const base = run([...join('a'), ...join('b'), { type: 'start', now: 1 }])
    const reason = 'encrypted round refused: 7 fraction bits for 100 clients; at least 8 are needed'
    const { state, effects } = run(
      [
        { type: 'refuse-round', now: 2, round: 9, reason: 'not this round' },
        { type: 'refuse-round', now: 3, round: 1, reason },
        { type: 'tick', now: 4 },
      ],
      base.state,
    )
    expect(effects.map((e) => e.type)).toEqual(['round-abandoned'])
    expect(effects[0]).toMatchObject({ round: 1, reason, at: 1 })
    expect(phaseOf(state)).toBe('stopped')
    expect(state.stopped).toBe(`round 1 was refused: ${reason}`)
    expect(state.outcomes.at(-1)).toMatchObject({ round: 1, status: 'abandoned', reason, participants: [] })
    // Started again (after other settings), the next round gets a new number.
    const again = run([{ type: 'start', now: 5 }], state)
    expect(started(again.effects)).toMatchObject([{ round: 2 }])
  })

  it('a selected client that declines the round is dropped at once with its reason; others are told no', () => {
    const base = run([...join('a'), ...join('b'), { type: 'start', now: 1 }])
    const { state, effects } = run(
      [
        { type: 'decline', now: 2, id: 'ghost', round: 1, reason: 'encryption off' },
        { type: 'decline', now: 2, id: 'a', round: 2, reason: 'encryption off' },
        { type: 'decline', now: 3, id: 'a', round: 1, reason: 'encryption off' },
        { type: 'update', now: 4, id: 'b', round: 1, examples: 100, ...REPORT },
      ],
      base.state,
    )
    expect(acks(effects).map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'not-joined',
      'stale-round',
      'ok',
      'ok',
    ])
    expect(effects.find((e) => e.type === 'client-dropped')).toMatchObject({
      id: 'a',
      reason: 'declined: encryption off',
    })
    // The round ended when b reported, without waiting for a's deadline (quorum 1 of 2).
    expect(effects.find((e) => e.type === 'round-completed')).toMatchObject({ round: 1, participants: ['b'] })
    expect(state.completedRounds).toBe(1)
  })
})
