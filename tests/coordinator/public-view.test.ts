import { describe, expect, it } from 'vitest'
import { EventLog } from '../../coordinator/event-log'
import { keptMetrics, ParticipantPrivacy } from '../../coordinator/task/participant-privacy'
import { forAudience } from '../../coordinator/task/snapshot-audience'
import { computeEpsilon } from '../../shared/privacy/accountant'
import type { DashboardSnapshot, RoundRecord } from '../../shared/protocol'
import { defaultPrivacyConfig, defaultTrainingConfig } from '../../shared/rounds/config'
import {
  type Effect,
  initialRoundState,
  type ParticipantReport,
  type RoundState,
} from '../../shared/rounds/state'

type Completed = Extract<Effect, { type: 'round-completed' }>

const report = (address: string): ParticipantReport => ({
  examples: 10,
  weight: 10,
  updateHash: 'h',
  address,
  loss: null,
  accuracy: null,
})

/** A completed round of `ids` (tab → account), DP or not. */
function completed(round: number, ids: Record<string, string>, dp: boolean): Completed {
  return {
    type: 'round-completed',
    round,
    plan: { kind: 'plain' },
    privacy: dp ? { mode: 'local', clipNorm: 1, noiseStd: 1, denominator: 1 } : null,
    epsilonAfter: null,
    startedAt: 0,
    participants: Object.keys(ids),
    examples: 10 * Object.keys(ids).length,
    reports: new Map(Object.entries(ids).map(([id, address]) => [id, report(address)])),
    refused: new Map(),
  }
}

const stateWith = (noiseMultiplier: number): RoundState => ({
  ...initialRoundState({
    ...defaultTrainingConfig,
    privacy: { ...defaultPrivacyConfig, mode: 'local', sampleRate: 0.01, noiseMultiplier },
  }),
  privacyLedger: [{ sampleRate: 0.01, noiseMultiplier, steps: 1 }],
})

const atQ1 = (steps: number, z = 1) =>
  computeEpsilon({ sampleRate: 1, noiseMultiplier: z, steps, delta: 1e-5 }).epsilon

describe('epsilon against the public, on the coordinator', () => {
  it("is the most-sampled account's DP rounds at q = 1; an account counts once a round, across reconnects", () => {
    const privacy = new ParticipantPrivacy()
    const state = stateWith(1)
    const rows = () => 10
    privacy.countRound(completed(1, { 'tab-1': 'a', 'tab-2': 'b' }, true), state, rows)
    // tab-3 and tab-4 are two tabs of account a (one browser): a's data took part once more, not twice.
    privacy.countRound(completed(2, { 'tab-3': 'a', 'tab-4': 'a' }, true), state, rows)
    privacy.forget('tab-1')
    privacy.countRound(completed(3, { 'tab-5': 'a' }, true), state, rows)
    // A round without DP spends nothing of the client-level budget.
    privacy.countRound(completed(4, { 'tab-2': 'b' }, false), state, rows)
    expect(privacy.publicEpsilon(1e-5)).toEqual({ epsilon: atQ1(3), participations: 3 })
    privacy.clear()
    expect(privacy.publicEpsilon(1e-5)).toEqual({ epsilon: 0, participations: 0 })
  })

  it("uses each round's noise multiplier (the task ledger's last step)", () => {
    const privacy = new ParticipantPrivacy()
    privacy.countRound(completed(1, { 'tab-1': 'a' }, true), stateWith(2), () => 10)
    privacy.countRound(completed(2, { 'tab-1': 'a' }, true), stateWith(2), () => 10)
    expect(privacy.publicEpsilon(1e-5).epsilon).toBe(atQ1(2, 2))
    expect(privacy.publicEpsilon(1e-6).epsilon).toBe(
      computeEpsilon({ sampleRate: 1, noiseMultiplier: 2, steps: 2, delta: 1e-6 }).epsilon,
    )
  })
})

describe('training metrics a tab sent under DP', () => {
  it('are not kept (so neither recorded nor shown), in client-level and in DP-SGD rounds', () => {
    const metrics = { loss: 0.3, accuracy: 0.9 }
    const plain = initialRoundState(defaultTrainingConfig)
    expect(keptMetrics(plain, metrics)).toBe(metrics)
    const round = { privacy: { mode: 'local', clipNorm: 1, noiseStd: 1, denominator: 1 } }
    expect(keptMetrics({ ...plain, round } as unknown as RoundState, metrics)).toBeUndefined()
    const dpSgd = initialRoundState({
      ...defaultTrainingConfig,
      privacy: { ...defaultPrivacyConfig, exampleLevel: { enabled: true, clipNorm: 1, noiseMultiplier: 1 } },
    })
    expect(keptMetrics(dpSgd, metrics)).toBeUndefined()
  })
})

describe('what a live page without the control token receives', () => {
  const log = new EventLog()
  log.add('info', 'tab-1 ready with 120 training examples')
  log.announce('info', 'round 1 aggregated from 2 clients (240 examples): model r1-abc')
  const record: RoundRecord = {
    round: 1,
    version: 'r1-abc',
    participants: 2,
    examples: 240,
    durationMs: 10,
    completedAt: 1,
    trainLoss: 0.4,
    trainAccuracy: 0.8,
    evaluation: null,
    epsilon: 0.5,
    encryption: null,
    verdicts: { 'tab-1': 'accepted', 'tab-2': 'clipped 3 → 1' },
  }
  const view = {
    clients: [{ id: 'tab-1' }],
    history: [record],
    earlierRuns: [{ run: 1, history: [record] }],
    events: log.entries,
  } as unknown as Omit<DashboardSnapshot, 'chainHeight' | 'refusals'>

  it('has no per-tab list, no verdicts and only the announced events; the token holder gets everything', () => {
    const open = forAudience(view, false)
    expect(open.clients).toBeNull()
    expect(open.history).toEqual([{ ...record, verdicts: undefined }].map(({ verdicts: _, ...r }) => r))
    // The runs before a reset are cut the same way.
    expect(open.earlierRuns).toEqual([{ run: 1, history: open.history }])
    expect(open.events.map((e) => e.text)).toEqual([
      'round 1 aggregated from 2 clients (240 examples): model r1-abc',
    ])
    expect(JSON.stringify(open)).not.toMatch(/tab-\d/)
    expect(forAudience(view, true)).toBe(view)
  })
})
