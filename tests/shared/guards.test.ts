import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import {
  configureSchema,
  evaluationSchema,
  helloSchema,
  parsePayload,
  updateSchema,
} from '../../shared/guards'
import { PROTOCOL_VERSION } from '../../shared/protocol'

const update = {
  round: 2,
  baseVersion: 'r1-abc',
  examples: 100,
  delta: new ArrayBuffer(8),
  metrics: { loss: 0.5, accuracy: 0.7 },
  signature: 'ab'.repeat(64),
}

describe('payload guards', () => {
  it('accepts well-formed payloads, Buffer or ArrayBuffer deltas', () => {
    expect(parsePayload(updateSchema, update, 'update').ok).toBe(true)
    expect(parsePayload(updateSchema, { ...update, delta: Buffer.alloc(8) }, 'update').ok).toBe(true)
    expect(
      parsePayload(
        helloSchema,
        {
          protocol: PROTOCOL_VERSION,
          backend: 'wasm',
          taskId: 'demo',
          publicKey: 'ab'.repeat(32),
          proof: { timestamp: Date.now(), signature: 'cd'.repeat(64) },
        },
        'hello',
      ).ok,
    ).toBe(true)
  })

  it('names the field that is wrong', () => {
    const r = parsePayload(updateSchema, { ...update, round: 'two', delta: [0, 1] }, 'update')
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('bad-payload')
    expect(r.error.message).toMatch(/^invalid update: /)
    expect(r.error.message).toMatch(/round: /)
    expect(r.error.message).toMatch(/delta: expected binary bytes/)
  })

  it('rejects non-finite numbers, negative counts and a missing payload', () => {
    expect(
      parsePayload(updateSchema, { ...update, metrics: { loss: Number.NaN, accuracy: 1 } }, 'update').ok,
    ).toBe(false)
    expect(parsePayload(updateSchema, { ...update, examples: 1e12 }, 'update').ok).toBe(false)
    expect(
      parsePayload(evaluationSchema, { version: 'v', examples: -1, lossSum: 0, confusion: [[0]] }, 'e').ok,
    ).toBe(false)
    const none = parsePayload(updateSchema, undefined, 'update')
    expect(!none.ok && none.error.message).toMatch(/\(payload\)/)
  })

  it('takes an update without training metrics (a tab under DP sends none)', () => {
    const { metrics: _metrics, ...withoutMetrics } = update
    const r = parsePayload(updateSchema, withoutMetrics, 'update')
    expect(r.ok && r.value.metrics).toBeUndefined()
  })

  it('refuses another protocol version, with the reason', () => {
    const r = parsePayload(helloSchema, { protocol: 99, backend: 'wasm', taskId: 'demo' }, 'hello')
    expect(!r.ok && r.error.message).toMatch(/speaks protocol 1/)
  })

  it('refuses unknown and out-of-range settings', () => {
    const patch = (p: object) => parsePayload(configureSchema, { taskId: 't', patch: p }, 'settings')
    expect(patch({ rounds: 5, batchSize: 16 }).ok).toBe(true)
    expect(patch({ roundz: 5 }).ok).toBe(false)
    expect(patch({ learningRate: 0 }).ok).toBe(false)
  })
})
