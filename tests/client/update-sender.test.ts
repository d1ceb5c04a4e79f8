import { describe, expect, it } from 'vitest'
import { memoryPrivacyStore } from '../../client/session/cumulative-privacy'
import type { EncryptedModel } from '../../client/session/encrypted-model'
import type { SessionLink } from '../../client/session/session-link'
import { SessionState } from '../../client/session/session-state'
import { UpdateSender } from '../../client/session/update-sender'
import type { TrainResult } from '../../client/training/trainer-port'
import { generateKeyPair } from '../../shared/chain/keys'
import { computeEpsilon } from '../../shared/privacy/accountant'
import type { RoundStartMessage } from '../../shared/protocol'

const result: TrainResult = {
  delta: new Float32Array([0.1, -0.2, 0.3]),
  clip: { norm: 2, clipped: true },
  examples: 40,
  metrics: { loss: 0.42, accuracy: 0.81 },
  durationMs: 5,
}

function roundStart(dp: boolean): RoundStartMessage {
  return {
    round: 1,
    deadline: Date.now() + 60_000,
    model: { round: 0, version: 'r0-0123456789ab', weights: new ArrayBuffer(0) },
    settings: { epochs: 1, batchSize: 32, learningRate: 0.01, optimizer: 'adam', dpSgd: null },
    privacy: dp
      ? {
          mode: 'local',
          clipNorm: 1,
          noiseStd: 1.5,
          denominator: 1,
          noiseMultiplier: 1.5,
          sampleRate: 0.1,
          delta: 1e-5,
          epsilonAfterRound: 0.2,
          epsilonBudget: 10,
        }
      : null,
    encryption: null,
  }
}

/** An UpdateSender whose coordinator answers every request with `answer` (undefined: refused or unanswered). */
function sender(answer: unknown) {
  const sent: { event: string; payload: Record<string, unknown> }[] = []
  const link = {
    ask: async (event: string, payload: Record<string, unknown>) => {
      sent.push({ event, payload })
      return answer
    },
  } as unknown as SessionLink
  const state = new SessionState('cpu')
  const store = memoryPrivacyStore()
  const updates = new UpdateSender({
    link,
    state,
    keys: generateKeyPair(),
    taskId: 'demo',
    encryption: null,
    model: {} as EncryptedModel,
    privacyStore: store,
  })
  return { updates, state, store, sent }
}

const atQ1 = (steps: number) =>
  computeEpsilon({ sampleRate: 1, noiseMultiplier: 1.5, steps, delta: 1e-5 }).epsilon

describe("a tab's update and its privacy cost", () => {
  it('counts a refused upload: it left the tab, so it leaked (this tab, and the browser across tasks)', async () => {
    const { updates, state, store, sent } = sender(undefined)
    await updates.send(roundStart(true), result, new AbortController().signal)
    expect(sent.map((s) => s.event)).toEqual(['client:update'])
    // Not accepted: no round trained...
    expect(state.snapshot.roundsTrained).toBe(0)
    // ...but the update was sent: one Gaussian release against the coordinator and the public.
    expect(state.snapshot.privacy).toMatchObject({ updates: 1, clippedUpdates: 1 })
    expect(state.snapshot.privacy!.ownEpsilon).toBe(atQ1(1))
    expect(state.snapshot.privacy!.publicEpsilon).toBe(atQ1(1))
    await expect.poll(() => store.value?.sends).toBe(1)
    expect(store.value).toMatchObject({ tasks: ['demo'], delta: 1e-5 })
    await expect.poll(() => state.snapshot.cumulative?.epsilon).toBe(atQ1(1))
  })

  it('sums across sessions: a second sender on the same store (another task) adds to the same totals', async () => {
    const first = sender({})
    await first.updates.send(roundStart(true), result, new AbortController().signal)
    await expect.poll(() => first.store.value?.sends).toBe(1)
    const second = sender({})
    const updates = new UpdateSender({
      link: { ask: async () => null } as unknown as SessionLink,
      state: second.state,
      keys: generateKeyPair(),
      taskId: 'other',
      encryption: null,
      model: {} as EncryptedModel,
      privacyStore: first.store,
    })
    await updates.send(roundStart(true), result, new AbortController().signal)
    await expect.poll(() => second.state.snapshot.cumulative?.sends).toBe(2)
    expect(second.state.snapshot.cumulative).toMatchObject({ tasks: 2, epsilon: atQ1(2) })
    // This session's own ledger has only its own update.
    expect(second.state.snapshot.privacy!.ownEpsilon).toBe(atQ1(1))
  })

  it('sends no training loss or accuracy under DP, and sends them without DP', async () => {
    const dp = sender({})
    await dp.updates.send(roundStart(true), result, new AbortController().signal)
    expect(dp.sent[0]!.payload).not.toHaveProperty('metrics')
    expect(dp.state.snapshot.roundsTrained).toBe(1)
    const plain = sender({})
    await plain.updates.send(roundStart(false), result, new AbortController().signal)
    expect(plain.sent[0]!.payload.metrics).toEqual(result.metrics)
    // Nothing private was spent: no totals.
    expect(plain.store.value).toBeUndefined()
    expect(plain.state.snapshot.cumulative).toBeNull()
  })
})
