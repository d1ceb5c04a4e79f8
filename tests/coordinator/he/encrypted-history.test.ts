import { describe, expect, it } from 'vitest'
import { CheckpointCollector } from '../../../coordinator/he/checkpoint-collector'
import { EncryptedHistory } from '../../../coordinator/he/encrypted-history'
import type { EncryptedAggregateMessage, EncryptedCheckpointMessage } from '../../../shared/protocol'

const base = { round: 0, version: 'r0-base', weights: new Float32Array(4) }
const hex = (n: number) => n.toString(16).padStart(64, '0')

function aggregate(round: number, ciphertexts = 2, bytes = 1000): EncryptedAggregateMessage {
  return {
    round,
    version: `r${round}-he`,
    previousVersion: round === 1 ? 'r0-base' : `r${round - 1}-he`,
    keyId: 'k'.repeat(16),
    preset: 'bfv-8192',
    fractionBits: 20,
    totalWeight: 10,
    participants: 3,
    length: 4,
    ciphertexts: Array.from({ length: ciphertexts }, () => new Uint8Array(bytes)),
    sumHash: hex(round),
  }
}

function checkpointOf(round: number): EncryptedCheckpointMessage {
  return {
    round,
    version: `r${round}-he`,
    keyId: 'k'.repeat(16),
    digest: hex(1000 + round),
    preset: 'bfv-8192',
    length: 4,
    ciphertexts: [new Uint8Array(1000), new Uint8Array(1000)],
  }
}

/** Reads the whole replay as a tab does, part by part; returns the parts. */
function readAll(history: EncryptedHistory, limits = { ciphertexts: 8, bytes: 1e9 }) {
  const parts = []
  let after: string | null = null
  for (;;) {
    const part = history.chunk(after, limits)
    if (!part.ok) throw new Error(part.error.message)
    parts.push(part.value)
    const last: string | undefined = part.value.aggregates.at(-1)?.version ?? part.value.checkpoint?.version
    if (!part.value.more || !last) return parts
    after = last
  }
}

describe('the encrypted history a late tab replays', () => {
  it('without checkpoints: every aggregate, in parts of at most 8 ciphertexts (the old single message had 30 rounds x 2)', () => {
    const history = new EncryptedHistory(base)
    for (let r = 1; r <= 30; r++) history.push(aggregate(r))
    const parts = readAll(history)
    expect(parts.every((p) => p.aggregates.reduce((n, a) => n + a.ciphertexts.length, 0) <= 8)).toBe(true)
    expect(parts.flatMap((p) => p.aggregates.map((a) => a.round))).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    )
    expect(history.info()).toEqual({ checkpointRound: null, aggregates: 30 })
    expect(history.currentHash).toBe(hex(30))
  })

  it('after 200 rounds with a checkpoint every 10: one checkpoint and the aggregates since, whatever the round count', () => {
    const history = new EncryptedHistory(base)
    for (let r = 1; r <= 200; r++) {
      history.push(aggregate(r))
      if (r % 10 === 0) expect(history.compact(checkpointOf(r)).ok).toBe(true)
    }
    history.push(aggregate(201))
    history.push(aggregate(202))
    expect(history.released).toBe(202)
    expect(history.info()).toEqual({ checkpointRound: 200, aggregates: 2 })
    const parts = readAll(history)
    expect(parts).toHaveLength(1)
    expect(parts[0]!.checkpoint?.round).toBe(200)
    expect(parts[0]!.aggregates.map((a) => a.round)).toEqual([201, 202])
  })

  it('a part holds at least one item even when it alone is over the byte limit', () => {
    const history = new EncryptedHistory(base)
    history.push(aggregate(1, 2, 5000))
    history.push(aggregate(2, 2, 5000))
    const parts = readAll(history, { ciphertexts: 8, bytes: 1000 })
    expect(parts.map((p) => p.aggregates.length)).toEqual([1, 1])
  })

  it('a version compacted away is refused as stale (the tab starts over); an unknown one too', () => {
    const history = new EncryptedHistory(base)
    for (let r = 1; r <= 12; r++) history.push(aggregate(r))
    expect(history.compact(checkpointOf(10)).ok).toBe(true)
    const stale = history.chunk('r5-he', { ciphertexts: 8, bytes: 1e9 })
    expect(stale.ok || stale.error.code).toBe('stale-round')
    expect(stale.ok || stale.error.message).toMatch(/checkpoint of round 10 replaced it/)
    const fromCheckpoint = history.chunk('r10-he', { ciphertexts: 8, bytes: 1e9 })
    expect(fromCheckpoint.ok && fromCheckpoint.value.aggregates.map((a) => a.round)).toEqual([11, 12])
    expect(history.compact(checkpointOf(40)).ok).toBe(false)
  })
})

describe('a checkpoint is taken once other key holders decrypted it and found their own model', () => {
  const upload = (digest: string) => ({
    round: 10,
    version: 'r10-he',
    keyId: 'k'.repeat(16),
    digest,
    ciphertexts: [new Uint8Array(8)],
  })
  const asked = () => {
    const c = new CheckpointCollector(10)
    c.ask({ round: 10, version: 'r10-he', holder: 'tab-1', at: 0 })
    return c
  }

  it('due every N aggregates; only the holder asked, once, for the model asked', () => {
    const c = new CheckpointCollector(10)
    expect(c.due(9, 0)).toBe(false)
    expect(c.due(10, 0)).toBe(true)
    c.ask({ round: 10, version: 'r10-he', holder: 'tab-1', at: 0 })
    expect(c.due(12, 1000)).toBe(false)
    expect(c.due(12, 61_000)).toBe(true)
    expect(c.offer('tab-2', upload(hex(1)), []).ok).toBe(false)
    expect(c.offer('tab-1', { ...upload(hex(1)), version: 'r9-he' }, []).ok).toBe(false)
    expect(c.offer('tab-1', upload(hex(1)), ['tab-2', 'tab-3']).ok).toBe(true)
    const again = c.offer('tab-1', upload(hex(2)), ['tab-2'])
    expect(again.ok || again.error.message).toMatch(/already sent the checkpoint/)
  })

  it('accepted when both verifiers find a match; verdicts only from those asked, once', () => {
    const c = asked()
    c.offer('tab-1', upload(hex(1)), ['tab-2', 'tab-3', 'tab-4'])
    expect(c.verdict('tab-4', { version: 'r10-he', outcome: 'match' }).ok).toBe(false)
    expect(c.verdict('tab-2', { version: 'r9-he', outcome: 'match' }).ok).toBe(false)
    expect(c.verdict('tab-2', { version: 'r10-he', outcome: 'match' }).ok).toBe(true)
    expect(c.verdict('tab-2', { version: 'r10-he', outcome: 'match' }).ok).toBe(false)
    expect(c.settle()).toBeNull()
    c.verdict('tab-3', { version: 'r10-he', outcome: 'match' })
    expect(c.settle()).toMatchObject({ kind: 'accept', from: 'tab-1', verifiers: ['tab-2', 'tab-3'] })
    expect(c.asked).toBeNull()
  })

  it('refused when the verifiers decrypt other weights; one lying verifier only lets the ask lapse', () => {
    const c = asked()
    c.offer('tab-1', upload(hex(666)), ['tab-2', 'tab-3'])
    c.verdict('tab-2', {
      version: 'r10-he',
      outcome: 'mismatch',
      reason: "its weights are not this tab's model",
    })
    c.verdict('tab-3', { version: 'r10-he', outcome: 'mismatch', reason: 'it does not decrypt' })
    const verdict = c.settle()
    expect(verdict).toMatchObject({ kind: 'reject', from: 'tab-1' })
    expect(verdict?.kind === 'reject' && verdict.reason).toMatch(/2 key holder\(s\) decrypted it and found/)

    const split = asked()
    split.offer('tab-1', upload(hex(1)), ['tab-2', 'tab-3'])
    split.verdict('tab-2', { version: 'r10-he', outcome: 'match' })
    split.verdict('tab-3', { version: 'r10-he', outcome: 'mismatch', reason: 'lies' })
    expect(split.settle()).toMatchObject({ kind: 'lapse', from: 'tab-1' })
  })

  it('a verifier leaving does not lower the bar; the sole key holder is taken on its word', () => {
    const c = asked()
    c.offer('tab-1', upload(hex(1)), ['tab-2', 'tab-3'])
    c.verdict('tab-2', { version: 'r10-he', outcome: 'match' })
    c.leave('tab-3')
    expect(c.settle()).toMatchObject({ kind: 'lapse' })

    const alone = asked()
    alone.offer('tab-1', upload(hex(1)), [])
    expect(alone.settle()).toMatchObject({ kind: 'accept', verifiers: [] })
  })
})
