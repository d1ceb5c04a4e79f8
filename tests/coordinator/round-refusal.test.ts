import { describe, expect, it } from 'vitest'
import type { EncryptedRounds } from '../../coordinator/he/encrypted-rounds'
import { RoundAggregation } from '../../coordinator/task/round-aggregation'
import { planQuantization } from '../../shared/he/quantize'
import type { TrainingConfig } from '../../shared/rounds/config'
import type { ActiveRound, Effect } from '../../shared/rounds/state'

type Started = Extract<Effect, { type: 'round-started' }>

describe('an encrypted round whose BFV plan cannot fit the plain modulus', () => {
  // 30-bit plain modulus (bfv-4096), 100 tabs of weight up to 10,000, clamp 4: 7 fraction bits, below the 8 needed.
  const reason = (() => {
    try {
      planQuantization({ plainModulusHalf: 2 ** 29, clients: 100, maxWeight: 10_000, clamp: 4 })
      return ''
    } catch (error) {
      return `encrypted round refused: ${(error as Error).message}`
    }
  })()
  const encryption = {
    begin: () => ({ refused: reason }),
    discard: () => {},
  } as unknown as EncryptedRounds
  const effect = {
    type: 'round-started',
    round: 1,
    plan: { kind: 'encrypted', keyId: 'key-1' },
    selected: ['a', 'b'],
    maxWeight: 10_000,
    privacy: null,
  } as unknown as Started
  const config = { encryption: { mode: 'bfv' } } as unknown as TrainingConfig
  const global = { round: 0, version: 'v0', weights: new Float32Array(3), digest: 'd0' }

  it('is refused with the reason, never run in the clear or with fewer bits that can wrap', () => {
    expect(reason).toMatch(/leaves 7 fraction bits for 100 clients .* at least 8 are needed/)
    const aggregation = new RoundAggregation(3, encryption)
    expect(aggregation.begin(effect, config, () => 1, global)).toBeNull()
    expect(aggregation.refusal).toBe(reason)
    const running = { number: 1 } as ActiveRound
    const claims = { round: 1, baseVersion: 'v0', examples: 5 }
    for (const payload of [
      { kind: 'plain', delta: new Float32Array(3) } as const,
      { kind: 'encrypted', keyId: 'key-1', ciphertexts: [] } as const,
    ]) {
      const admitted = aggregation.admit(running, claims, payload, 'v0')
      expect(admitted).toMatchObject({ ok: false, error: { code: 'invalid-state' } })
      expect(!admitted.ok && admitted.error.message).toContain(reason)
    }
    aggregation.discard()
    expect(aggregation.refusal).toBeNull()
  })
})
