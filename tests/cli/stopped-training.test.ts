import { describe, expect, it } from 'vitest'
import { runFederated } from '../../cli/federated-run'
import { parseOptions } from '../../cli/options'
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

const config: TrainingConfig = { ...defaultTrainingConfig, rounds: 3, minClients: 2, roundDeadlineMs: 10_000 }

/** Feeds inputs in order; returns the final state and every effect. */
function feed(inputs: readonly Input[], start: RoundState = initialRoundState(config)) {
  const deps = { random: seededRandom(1) }
  let state = start
  const effects: Effect[] = []
  for (const input of inputs) {
    const result = step(state, input, deps)
    state = result.state
    effects.push(...result.effects)
  }
  return { state, effects }
}

const joined = (...ids: string[]): Input[] =>
  ids.flatMap((id) => [
    { type: 'hello', now: 0, id, backend: 'wasm' } as const,
    { type: 'ready', now: 0, id, examples: 100 } as const,
  ])
const decline = (id: string, round: number, now = 1): Input => ({
  type: 'decline',
  now,
  id,
  round,
  reason: `epsilon of ${id} past the budget`,
})
const roundsStarted = (effects: readonly Effect[]) => effects.filter((e) => e.type === 'round-started').length

describe('rounds that the clients decline', () => {
  it('stop training with the reasons once declines leave no quorum, instead of starting the next round at once', () => {
    const base = feed([...joined('a', 'b'), { type: 'start', now: 0 }])
    expect(base.state.round?.number).toBe(1)
    const { state, effects } = feed([decline('a', 1), decline('b', 1)], base.state)
    expect(effects.find((e) => e.type === 'round-abandoned')).toMatchObject({ round: 1 })
    // Before, the machine started round 2 in the same step, which the tabs declined again, without end.
    expect(roundsStarted(effects)).toBe(0)
    expect(state.running).toBe(false)
    expect(phaseOf(state)).toBe('stopped')
    expect(state.stopped).toMatch(
      /^round 1: 2 of 2 selected clients declined it \(quorum 1; 0 other ready clients have not declined\): epsilon of a past the budget; epsilon of b past the budget\. Training stopped/,
    )
    // Started again, the next round runs (and stops the same way if declined again).
    const again = feed([{ type: 'start', now: 2 }], state)
    expect(again.state.round?.number).toBe(2)
    expect(again.state.stopped).toBeNull()
  })

  it('go on when the quorum could still have formed without the decliners (the round failed for another reason)', () => {
    // Quorum 1 of 2: a's decline alone does not make it unreachable; b then misses the deadline.
    const base = feed([...joined('a', 'b'), { type: 'start', now: 0 }])
    const { state, effects } = feed([decline('a', 1), { type: 'tick', now: 20_000 }], base.state)
    expect(effects.find((e) => e.type === 'round-abandoned')).toMatchObject({ round: 1 })
    expect(state.stopped).toBeNull()
    expect(state.round?.number).toBe(2)
  })

  it('go on while rounds sample some of the tabs and others have not declined, and stop once none is left', () => {
    // One tab a round: a tab that declined sits out the next rounds, which go to the others until every ready tab
    // has declined.
    const sampled = { ...config, clientsPerRound: 1, minClients: 1 }
    let { state } = feed([...joined('a', 'b', 'c'), { type: 'start', now: 0 }], initialRoundState(sampled))
    const declinedBy: string[] = []
    for (let i = 0; i < 3; i++) {
      const [id] = state.round!.selected
      declinedBy.push(id!)
      state = feed([decline(id!, state.round!.number, 1 + i)], state).state
      if (i < 2) expect([state.stopped, state.running, state.decliners]).toEqual([null, true, declinedBy])
    }
    expect(new Set(declinedBy)).toEqual(new Set(['a', 'b', 'c']))
    expect(state.running).toBe(false)
    expect(state.stopped).toMatch(
      /^round 3: 1 of 1 selected clients declined it \(quorum 1; 0 other ready clients have not declined\)/,
    )
    // Started again, every tab is asked again.
    expect(feed([{ type: 'start', now: 9 }], state).state.decliners).toEqual([])
  })

  it('stop when one decline breaks a quorum of every client', () => {
    const all = { ...config, quorumFraction: 1 }
    const base = feed([...joined('a', 'b'), { type: 'start', now: 0 }], initialRoundState(all))
    const { state } = feed(
      [{ type: 'update', now: 1, id: 'b', round: 1, examples: 100, ...REPORT }, decline('a', 1)],
      base.state,
    )
    expect(state.stopped).toMatch(
      /^round 1: 1 of 2 selected clients declined it \(quorum 2; 1 other ready clients have not declined\)/,
    )
    expect(state.round).toBeNull()
  })
})

/** What an accepted update says of itself besides its examples. */
const REPORT = { updateHash: 'ab'.repeat(32), address: `px${'0'.repeat(40)}`, loss: 0.5, accuracy: 0.75 }

/** A small `privx federated` run (logistic regression, clients in the main thread, no centralized baseline). */
function federated(...extra: string[]) {
  const argv = ['federated', '--clients', '3', '--hidden', '0', '--workers', '0', '--privacy', ...extra]
  const { options } = parseOptions(argv)
  return runFederated(options, () => {}, undefined, { centralized: false })
}

describe('privx federated past a privacy budget ends, saying why and what to do', () => {
  it('example level: the clients decline round 2 (it would pass --epsilon); the run keeps round 1 and says so', async () => {
    // Each client's first round spends at most about 8.4 of its rows' epsilon, the second takes it past 10.
    const started = Date.now()
    const summary = await federated('--privacy-level', 'example', '--rounds', '3', '--epsilon', '9.5')
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(summary.rounds.map((r) => r.round)).toEqual([1])
    expect(summary.stopped).toMatch(
      /^training stopped after round 1 of 3: round 2: [23] of 3 selected clients declined it \(quorum 3; [01] other ready clients have not declined\): DP-SGD would take this tab's example-level epsilon to \d+\.\d+, past the task's budget of 9\.5/,
    )
    expect(summary.stopped).toContain('raise --epsilon, raise --noise')
    expect(summary.warnings[0]).toBe(summary.stopped)
    expect(summary.final.federated).not.toBeNull()
  }, 60_000)

  it('example level: a budget no first round fits fails the run with the reason', async () => {
    await expect(federated('--privacy-level', 'example', '--rounds', '2', '--epsilon', '2')).rejects.toThrow(
      /^training stopped before any round completed: round 1: 3 of 3 selected clients declined it .*past the task's budget of 2.*raise --epsilon/,
    )
  }, 60_000)

  it('client level: the coordinator stops before the round that would pass the budget; the summary says so', async () => {
    const summary = await federated('--rounds', '4')
    expect(summary.rounds.map((r) => r.round)).toEqual([1, 2])
    expect(summary.stopped).toMatch(
      /^training stopped after round 2 of 4: the privacy budget is spent: epsilon \d+\.\d+ so far, the next round would reach \d+\.\d+ > 10 .*the coordinator starts no round that would take epsilon past --epsilon 10/,
    )
  }, 60_000)
})
