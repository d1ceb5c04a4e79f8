import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HeadlessClient } from '../../client/headless/headless-client'
import { KEY_SHARE_ATTEMPTS } from '../../coordinator/he/key-custody'
import type { Coordinator } from '../../coordinator/server'
import { createEnvelopeKeyPair } from '../../shared/he/key-envelope'
import { RawSocketIo } from '../helpers/raw-socket-io'
import { waitFor } from '../helpers/wait'
import {
  type Answer,
  askBinary,
  eventsOf,
  expectRefused,
  rawJoin as join,
  startEncryptedFederation,
  trainTo,
} from './support/encrypted-federation'

/**
 * The encrypted-history events attacked as a hostile peer sends them, in raw socket.io frames: from peers that never
 * joined, joined without the key, or were sent the key; payloads of the wrong shape or size; replays of versions never
 * released; checkpoints and verdicts nobody asked for. Three real headless tabs hold the task's key and run BFV
 * rounds (no checkpoint is asked here: `attack-encrypted-history-checkpoint.test.ts` attacks their verification).
 */
const LIE = 'ab'.repeat(32)
let coordinator: Coordinator
let tabs: HeadlessClient[] = []
const peers: RawSocketIo[] = []
/** Recipients of every key share the coordinator asked a tab to seal. */
const shares: string[] = []

async function rawJoin(options: { envelopeKey?: Uint8Array } = {}) {
  const joined = await join(coordinator, options)
  peers.push(joined.peer)
  return joined
}
const federation = () => coordinator.federation
const logged = (pattern: RegExp) => federation().log.entries.filter((e) => pattern.test(e.text))
const versionOf = (round: number) => federation().history.find((r) => r.round === round)!.version

beforeAll(async () => {
  ;({ coordinator, tabs } = await startEncryptedFederation(100, (tab) => {
    const socket = tab.socket as unknown as { on(event: string, f: (m: { recipient: string }) => void): void }
    socket.on('he:key-share', ({ recipient }) => shares.push(recipient))
  }))
})

afterAll(async () => {
  for (const peer of peers) peer.close()
  for (const tab of tabs) tab.close()
  await coordinator?.close()
})

describe('peers that did not join, and payloads of the wrong shape', () => {
  it('a peer that never joined is refused every encrypted-history event, before its payload is read', async () => {
    const peer = await RawSocketIo.connect(coordinator.url)
    peers.push(peer)
    const keyId = federation().custody.keyId!
    for (const [event, payload] of [
      ['client:replay', { after: null }],
      ['client:he-key', { keyId, failed: 'could not open it' }],
      ['client:he-checkpoint', { round: 1, version: 'r1', keyId, digest: LIE, ciphertexts: [] }],
      ['client:he-checkpoint-verdict', { version: 'r1', outcome: 'mismatch' }],
    ] as const) {
      expectRefused(await peer.ask(event, payload), 'not-joined', /client:hello first/)
    }
    const binary = await askBinary(
      peer,
      'client:he-checkpoint',
      { round: 1, version: 'r1', keyId, digest: LIE, ciphertexts: [{ _placeholder: true, num: 0 }] },
      [randomBytes(4096)],
    )
    expectRefused(binary, 'not-joined', /client:hello first/)
  })

  it('malformed payloads from a joined peer are refused naming the field; extra fields change nothing', async () => {
    const keyId = federation().custody.keyId!
    const checkpoint = { round: 1, version: 'r1-he0', keyId, digest: LIE, ciphertexts: [[1]] }
    const verdict = { version: 'r1-he0', outcome: 'mismatch' }
    const cases: [string, unknown, RegExp][] = [
      ['client:replay', undefined, /\(payload\)/],
      ['client:replay', 'r1', /\(payload\)/],
      ['client:replay', { after: 7 }, /after/],
      ['client:replay', { after: ['r1'] }, /after/],
      ['client:replay', { after: 'r'.repeat(101) }, /after/],
      ['client:he-key', { keyId, failed: '' }, /failed/],
      ['client:he-key', { keyId, failed: 'x'.repeat(301) }, /failed/],
      ['client:he-key', { keyId, failed: { reason: 'x' } }, /failed/],
      ['client:he-checkpoint-verdict', undefined, /\(payload\)/],
      ['client:he-checkpoint-verdict', { ...verdict, outcome: 'yes' }, /outcome/],
      ['client:he-checkpoint-verdict', { version: 'r1-he0' }, /outcome/],
      ['client:he-checkpoint-verdict', { ...verdict, version: 7 }, /version/],
      ['client:he-checkpoint-verdict', { ...verdict, version: 'r'.repeat(101) }, /version/],
      ['client:he-checkpoint-verdict', { ...verdict, reason: '' }, /reason/],
      ['client:he-checkpoint-verdict', { ...verdict, reason: 'x'.repeat(301) }, /reason/],
      ['client:he-checkpoint-verdict', { ...verdict, reason: ['x'] }, /reason/],
    ]
    // A checkpoint costs 5 events (its ciphertexts are loaded): its cases get a connection of their own.
    const uploads: [string, unknown, RegExp][] = [
      ['client:he-checkpoint', { ...checkpoint, digest: 'zz'.repeat(32) }, /digest/],
      ['client:he-checkpoint', { ...checkpoint, digest: LIE.slice(1) }, /digest/],
      ['client:he-checkpoint', { ...checkpoint, round: '1' }, /round/],
      ['client:he-checkpoint', { ...checkpoint, round: 0 }, /round/],
      ['client:he-checkpoint', { ...checkpoint, keyId: 42 }, /keyId/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: [] }, /ciphertexts/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: Array(1001).fill('AAAA') }, /ciphertexts/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: Array(100_000).fill(0) }, /ciphertexts/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: 'AAAA' }, /ciphertexts/],
    ]
    for (const group of [cases, uploads]) {
      const { peer } = await rawJoin()
      for (const [event, payload, field] of group) {
        expectRefused(await peer.ask(event, payload), 'bad-payload', field)
      }
    }
    // Extra fields are dropped by the schema: a replay asking for a billion ciphertexts is an ordinary replay (none
    // yet), and an evaluation carrying a digest (tabs no longer send one) is judged as an evaluation, not on it.
    const { peer } = await rawJoin()
    const extra = await peer.ask('client:replay', {
      after: null,
      limits: { ciphertexts: 1e9 },
      checkpoint: {},
    })
    expectRefused(extra, 'invalid-state', /no encrypted round was aggregated/)
    const confusion = [
      [0, 0],
      [0, 0],
    ]
    const evaluation = { version: 'r0', examples: 0, lossSum: 0, confusion, digest: 'xyz' }
    expectRefused(await peer.ask('client:evaluation', evaluation), 'not-joined', /has not joined/)
    expect(peer.open).toBe(true)
  })

  it('a 10 MB string and a packet of more attachments than any legal message cost only their own connection', async () => {
    expect(coordinator.frameCap).toBeLessThan(10 * 2 ** 20)
    const { peer: big } = await rawJoin()
    big.emit('client:replay', { after: 'r'.repeat(10 * 2 ** 20) })
    await big.closed
    const { peer: many } = await rawJoin()
    const placeholders = Array.from({ length: 200 }, (_, num) => ({ _placeholder: true, num }))
    many.emitBinary(
      'client:he-checkpoint',
      { round: 1, version: 'r1', keyId: 'ab'.repeat(8), digest: LIE, ciphertexts: placeholders },
      Array.from({ length: 200 }, () => new Uint8Array(8)),
    )
    await many.closed
    const { peer } = await rawJoin()
    expectRefused(await peer.ask('client:replay', { after: null }), 'invalid-state', /sent in the clear/)
  })
})

describe("'client:he-key' failure reports", () => {
  it('are refused from a tab that was sent no key, and under a key that is not the task’s', async () => {
    const { peer, id } = await rawJoin()
    const keyId = federation().custody.keyId!
    const refused = await peer.ask('client:he-key', { keyId, failed: 'could not open it' })
    expectRefused(refused, 'invalid-state', new RegExp(`${id} was not sent key ${keyId}`))
    const other = await peer.ask('client:he-key', { keyId: 'ef'.repeat(8), failed: 'could not open it' })
    expectRefused(other, 'stale-round', /efefefefefefefef is not this task's current key/)
  })

  it(`a flood from a tab that was sent the key retries delivery ${KEY_SHARE_ATTEMPTS} times in all, then stops`, async () => {
    const envelope = await createEnvelopeKeyPair()
    const { peer, id } = await rawJoin({ envelopeKey: envelope.publicKey })
    const keyId = federation().custody.keyId!
    const flood = await Promise.all(
      Array.from({ length: 40 }, () => peer.ask('client:he-key', { keyId, failed: 'bad envelope' })),
    )
    const accepted = flood.filter((a) => (a as Answer).ok)
    expect(accepted).toHaveLength(KEY_SHARE_ATTEMPTS)
    for (const a of flood.filter((a) => !(a as Answer).ok))
      expectRefused(a, 'invalid-state', new RegExp(`${id} was not sent key`))
    const gaveUp = new RegExp(`could not be delivered to ${id} in ${KEY_SHARE_ATTEMPTS} tries`)
    await waitFor(() => eventsOf(peer, 'notice').some((n) => gaveUp.test(String(n.text))), 'the tab told why')
    // No loop of re-shares: 4 retries were asked of holders, and nothing more comes however long one waits.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const retries = logged(new RegExp(`key delivery to ${id} failed`)).length
    expect(retries).toBe(KEY_SHARE_ATTEMPTS - 1)
    expect(logged(gaveUp)).toHaveLength(1)
    expect(eventsOf(peer, 'he:key-envelope').length).toBeLessThanOrEqual(KEY_SHARE_ATTEMPTS)
    expectRefused(
      await peer.ask('client:he-key', { keyId, failed: 'again' }),
      'invalid-state',
      /was not sent key/,
    )
    expect(logged(new RegExp(`key delivery to ${id} failed`))).toHaveLength(retries)
    // The honest holders were asked to seal the key for it once, then once per retry: 5 in all.
    expect(shares.filter((r) => r === id)).toHaveLength(KEY_SHARE_ATTEMPTS)
    expect(federation().custody.holders).toBe(3)
  })
})

describe('replays, checkpoints and verdicts nobody asked for', () => {
  it('replays of versions never released, checkpoints and verdicts from tabs not asked, and replay floods are refused', async () => {
    await trainTo(coordinator, tabs, 3)
    const { peer, id } = await rawJoin()
    const keyId = federation().custody.keyId!
    const ghost = 'r2-he9999999999'
    expectRefused(
      await peer.ask('client:replay', { after: ghost }),
      'stale-round',
      new RegExp(`model ${ghost} is no longer in the encrypted history \\(it was never released\\)`),
    )
    const whole = (await peer.ask('client:replay', { after: null })) as Answer
    expect(whole).toMatchObject({ ok: true, value: { checkpoint: null, more: false } })
    expect((whole.value as { aggregates: unknown[] }).aggregates).toHaveLength(3)
    const latest = (await peer.ask('client:replay', { after: versionOf(3) })) as Answer
    expect(latest).toMatchObject({ ok: true, value: { checkpoint: null, aggregates: [], more: false } })

    const upload = {
      round: 3,
      version: versionOf(3),
      keyId,
      digest: LIE,
      ciphertexts: [{ _placeholder: true, num: 0 }],
    }
    const notAsked = await askBinary(peer, 'client:he-checkpoint', upload, [randomBytes(1024)])
    expectRefused(notAsked, 'invalid-state', new RegExp(`${id} was not asked for a checkpoint`))
    const wrongKey = await askBinary(peer, 'client:he-checkpoint', { ...upload, keyId: 'ef'.repeat(8) }, [
      randomBytes(8),
    ])
    expectRefused(wrongKey, 'stale-round', /key efefefefefefefef is not this task's current key/)
    // No checkpoint is being verified: a verdict on one, from a raw peer or from a key holder, counts for nothing.
    for (const outcome of ['match', 'mismatch', 'unavailable']) {
      const verdict = await peer.ask('client:he-checkpoint-verdict', { version: versionOf(3), outcome })
      expectRefused(verdict, 'invalid-state', new RegExp(`${id} was not asked to verify a checkpoint`))
    }
    const holder = tabs[0]!
    const fromHolder = await holder.socket
      .timeout(5_000)
      .emitWithAck('client:he-checkpoint-verdict', { version: versionOf(3), outcome: 'match' })
    expectRefused(fromHolder, 'invalid-state', /was not asked to verify a checkpoint/)

    // Each part of the replay costs more of the connection's event budget than a plain event.
    const after = { after: versionOf(3) }
    const flood = await Promise.all(Array.from({ length: 30 }, () => peer.ask('client:replay', after)))
    expect(flood.filter((a) => (a as Answer).error?.code === 'rate-limited').length).toBeGreaterThan(10)
    expect(federation().snapshot(false).encryption).toMatchObject({
      checkpointRound: null,
      replayAggregates: 3,
    })
  })
})
