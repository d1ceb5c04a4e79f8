import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../client/headless/headless-client'
import { KEY_SHARE_ATTEMPTS } from '../../coordinator/he/key-custody'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { createEnvelopeKeyPair } from '../../shared/he/key-envelope'
import { weightsDigest } from '../../shared/model/version'
import type { CheckpointUpload } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'
import type { Result } from '../../shared/result'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { provenHello } from '../helpers/proven-join'
import { RawSocketIo } from '../helpers/raw-socket-io'
import { waitFor } from '../helpers/wait'

/**
 * The encrypted-history events attacked as a hostile peer sends them: raw socket.io frames from peers that never
 * joined or joined without the key, and real headless tabs whose uploads are tampered with on their way out, on a
 * real coordinator running BFV rounds with a checkpoint asked for every 2 aggregates.
 * The last two failed before the fix: one lying key holder (a 1-1 tie), or raw peers that never held the key, got an
 * honest holder's checkpoint refused and that holder never asked again (`checkpoint-collector.ts` `settle`,
 * `encrypted-rounds.ts` `vouch`): a few liars could stop every checkpoint, so the history grew without bound.
 */
const TASK = diabetesDemoTask('logistic', 12)
const LIE = 'ab'.repeat(32)
const SYBIL_LIE = 'cd'.repeat(32)
let coordinator: Coordinator
const tabs: HeadlessClient[] = []
const peers: RawSocketIo[] = []

type Answer = { ok: boolean; value?: unknown; error?: { code: string; message: string } }

function expectRefused(answer: unknown, code: string, message: RegExp): void {
  expect(answer).toMatchObject({ ok: false, error: { code } })
  expect((answer as Answer).error!.message).toMatch(message)
}

let nextAck = 900
/** A binary event with an ack id of its own; resolves with the answer (attachments as placeholders). */
async function askBinary(peer: RawSocketIo, event: string, payload: unknown, parts: Uint8Array[]) {
  const id = nextAck++
  const from = peer.received.length
  const pattern = new RegExp(`^4(?:3|6\\d+-)${id}(\\[.*)$`, 's')
  let answer: unknown
  peer.emitBinary(event, payload, parts, id)
  await waitFor(
    () =>
      peer.received.slice(from).some((frame) => {
        const match = typeof frame === 'string' ? pattern.exec(frame) : null
        if (match) answer = (JSON.parse(match[1]!) as unknown[])[0]
        return match !== null
      }),
    `the answer to ${event}`,
    10_000,
  )
  return answer as Answer
}

/** Payloads of the events `name` a raw peer received. */
function eventsOf(peer: RawSocketIo, name: string): Record<string, unknown>[] {
  return peer.received.flatMap((frame) => {
    const match = typeof frame === 'string' ? /^4[25](?:\d+-)?(\[.*)$/s.exec(frame) : null
    if (!match) return []
    const [event, payload] = JSON.parse(match[1]!) as [unknown, Record<string, unknown>]
    return event === name ? [payload] : []
  })
}

/** A raw peer joined to the task with a fresh account (and an envelope key, to be sent the HE key). */
async function rawJoin(options: { envelopeKey?: Uint8Array; ready?: boolean } = {}) {
  const peer = await RawSocketIo.connect(coordinator.url)
  peers.push(peer)
  const send = (event: string, payload: unknown) => peer.ask(event, payload) as Promise<Result<unknown>>
  const hello = await provenHello(send, generateKeyPair(), TASK.id)
  const reply = options.envelopeKey
    ? await askBinary(peer, 'client:hello', { ...hello, envelopeKey: { _placeholder: true, num: 0 } }, [
        options.envelopeKey,
      ])
    : ((await send('client:hello', hello)) as Answer)
  expect(reply).toMatchObject({ ok: true })
  if (options.ready) {
    expect(await send('client:ready', { trainExamples: 10, testExamples: 10 })).toMatchObject({ ok: true })
  }
  return { peer, id: (reply.value as { clientId: string }).clientId }
}

const federation = () => coordinator.federation
const encryption = () => federation().snapshot(false).encryption
const logged = (pattern: RegExp) => federation().log.entries.filter((e) => pattern.test(e.text))
const versionOf = (round: number) => federation().history.find((r) => r.round === round)!.version

/** Runs the task to `rounds` aggregates and waits for every tab to decrypt the last. */
async function trainTo(rounds: number): Promise<void> {
  expect(federation().configure({ rounds }).ok).toBe(true)
  expect(federation().control('start').ok).toBe(true)
  await waitFor(() => federation().state.completedRounds === rounds, `${rounds} encrypted rounds`, 30_000)
  await waitFor(
    () => tabs.every((t) => t.session.model?.round === rounds),
    'every tab decrypting the last aggregate',
    15_000,
  )
}

// Tampering with real tabs: each checkpoint upload takes the next attack; a tab can be told to lie in its evaluation.
interface CheckpointAttack {
  readonly name: string
  /** Forged uploads sent before the tab's own. */
  readonly before?: (upload: CheckpointUpload) => CheckpointUpload[]
  /** What the tab sends instead of its own upload. */
  readonly replace?: (upload: CheckpointUpload) => CheckpointUpload
}
const attacks: CheckpointAttack[] = []
const answers: { attack: string; tab: number; answer: unknown }[] = []
const asked: { tab: number; round: number; version: string }[] = []
/** Recipients of every key share the coordinator asked a tab to seal. */
const shares: string[] = []
/**
 * At this round's checkpoint request, the other tabs' evaluations of its model wait 400 ms (so that lies and the
 * upload come first); with `lie`, one of them lies at once instead.
 */
let trap: { round: number; lie: boolean } | null = null
let trapped: { version: string; asked: number; liar: number | null } | null = null

function tamper(tab: HeadlessClient, index: number): void {
  type Emit = (event: string, ...args: unknown[]) => unknown
  const socket = tab.socket as unknown as {
    emit: Emit
    timeout(ms: number): unknown
    on(
      event: string,
      listener: (message: { round: number; version: string; recipient: string }) => void,
    ): void
  }
  const emit = socket.emit.bind(socket) as Emit
  socket.on('he:key-share', ({ recipient }) => shares.push(recipient))
  socket.on('he:checkpoint-request', ({ round, version }) => {
    asked.push({ tab: index, round, version })
    if (round === trap?.round) trapped = { version, asked: index, liar: trap.lie ? (index + 1) % 3 : null }
  })
  socket.emit = (event, ...args) => {
    const payload = args[0] as { version?: string }
    const held = trapped
    if (event === 'client:evaluation' && held && payload.version === held.version && index !== held.asked) {
      if (index === held.liar) args[0] = { ...payload, digest: LIE }
      else {
        setTimeout(() => {
          socket.timeout(30_000)
          emit(event, ...args)
        }, 400)
        return socket
      }
    }
    const attack = event === 'client:he-checkpoint' ? attacks.shift() : undefined
    if (!attack) return emit(event, ...args)
    const upload = args[0] as CheckpointUpload
    const ack = args[1] as (...a: unknown[]) => void
    const record = (...a: unknown[]) => answers.push({ attack: attack.name, tab: index, answer: a.at(-1) })
    for (const forged of attack.before?.(upload) ?? []) emit(event, forged, record)
    // The forged uploads took the session's ack timeout: its own upload gets it back.
    if (attack.before) socket.timeout(30_000)
    return emit(event, attack.replace?.(upload) ?? upload, (...a: unknown[]) => {
      record(...a)
      ack(...a)
    })
  }
}

beforeAll(async () => {
  coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    tasks: [TASK],
    random: seededRandom(11),
    checkpointEvery: 2,
    tickMs: 50,
    config: {
      rounds: 1,
      minClients: 3,
      localEpochs: 1,
      learningRate: 0.05,
      encryption: { mode: 'bfv', clamp: 4 },
    },
  })
  for (let i = 0; i < 3; i++) {
    const tab = await startHeadlessClient(coordinator.url, { backend: 'cpu' })
    tamper(tab, i)
    tabs.push(tab)
  }
  await waitFor(() => federation().custody.holders === 3, 'three tabs holding the key', 30_000)
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
      ['client:evaluation', { version: 'r0', examples: 0, lossSum: 0, confusion: [[0]], digest: LIE }],
      ['client:he-checkpoint', { round: 1, version: 'r1', keyId, digest: LIE, ciphertexts: [] }],
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
    const { peer } = await rawJoin()
    const keyId = federation().custody.keyId!
    const checkpoint = { round: 1, version: 'r1-he0', keyId, digest: LIE, ciphertexts: [[1]] }
    const cases: [string, unknown, RegExp][] = [
      ['client:replay', undefined, /\(payload\)/],
      ['client:replay', 'r1', /\(payload\)/],
      ['client:replay', { after: 7 }, /after/],
      ['client:replay', { after: ['r1'] }, /after/],
      ['client:replay', { after: 'r'.repeat(101) }, /after/],
      ['client:he-checkpoint', { ...checkpoint, digest: 'zz'.repeat(32) }, /digest/],
      ['client:he-checkpoint', { ...checkpoint, digest: LIE.slice(1) }, /digest/],
      ['client:he-checkpoint', { ...checkpoint, round: '1' }, /round/],
      ['client:he-checkpoint', { ...checkpoint, round: 0 }, /round/],
      ['client:he-checkpoint', { ...checkpoint, keyId: 42 }, /keyId/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: [] }, /ciphertexts/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: Array(1001).fill('AAAA') }, /ciphertexts/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: Array(100_000).fill(0) }, /ciphertexts/],
      ['client:he-checkpoint', { ...checkpoint, ciphertexts: 'AAAA' }, /ciphertexts/],
      ['client:he-key', { keyId, failed: '' }, /failed/],
      ['client:he-key', { keyId, failed: 'x'.repeat(301) }, /failed/],
      ['client:he-key', { keyId, failed: { reason: 'x' } }, /failed/],
      [
        'client:evaluation',
        {
          version: 'r0',
          examples: 0,
          lossSum: 0,
          confusion: [
            [0, 0],
            [0, 0],
          ],
          digest: 'xyz',
        },
        /digest/,
      ],
    ]
    for (const [event, payload, field] of cases) {
      expectRefused(await peer.ask(event, payload), 'bad-payload', field)
    }
    // Extra fields are dropped by the schema: a replay asking for a billion ciphertexts is an ordinary replay (none yet).
    const extra = await peer.ask('client:replay', {
      after: null,
      limits: { ciphertexts: 1e9 },
      checkpoint: {},
    })
    expectRefused(extra, 'invalid-state', /no encrypted round was aggregated/)
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

describe('checkpoints and replay under attack', () => {
  it('forged, malformed and lying checkpoints are refused, naming why; the history stays whole', async () => {
    attacks.push(
      {
        name: 'wrong version, then garbage bytes',
        before: (u) => [
          { ...u, version: 'r2-he0123456789' },
          { ...u, version: versionOf(u.round - 1), round: u.round - 1 },
          { ...u, version: versionOf(u.round - 1) },
        ],
        replace: (u) => ({ ...u, ciphertexts: u.ciphertexts.map((c) => randomBytes(c.byteLength)) }),
      },
      {
        name: 'one ciphertext too many',
        replace: (u) => ({ ...u, ciphertexts: [...u.ciphertexts, ...u.ciphertexts] }),
      },
      { name: 'a digest the others contradict', replace: (u) => ({ ...u, digest: LIE }) },
    )
    await trainTo(4)
    await waitFor(() => answers.length === 6, 'the six forged uploads answered', 10_000)
    const [neverReleased, olderRound, olderVersion, garbage, tooMany, liar] = answers.map((a) => a.answer)
    expectRefused(neverReleased, 'stale-round', /model r2-he0123456789 is not in the encrypted history/)
    expectRefused(
      olderRound,
      'stale-round',
      new RegExp(`asked for is of model ${versionOf(2)} \\(round 2\\)`),
    )
    expectRefused(olderVersion, 'stale-round', new RegExp(`asked for is of model ${versionOf(2)}`))
    expectRefused(garbage, 'bad-payload', /^checkpoint: /)
    expectRefused(
      tooMany,
      'bad-payload',
      new RegExp(`${federation().parameters} parameters take 1 ciphertexts, got 2`),
    )
    // The lying holder's upload is well formed: the other tabs' digests refuse it.
    expect(liar).toMatchObject({ ok: true })
    const liarTab = answers[5]!.tab
    const liarId = tabs[liarTab]!.session.snapshot.clientId
    await waitFor(() => logged(/^checkpoint from .* refused/).length === 1, 'the lie refused', 10_000)
    expect(logged(/^checkpoint from .* refused/)[0]!.text).toMatch(
      new RegExp(
        `checkpoint from ${liarId} refused: its digest ${LIE.slice(0, 12)} matches 0 of the 2 other`,
      ),
    )
    expect(asked.map((a) => a.round)).toEqual([2, 3, 4])
    expect(encryption()).toMatchObject({ encryptedRounds: 4, checkpointRound: null, replayAggregates: 4 })
  })

  it('a late tab still catches up from the whole history, to the same bits', async () => {
    const late = await startHeadlessClient(coordinator.url, { backend: 'cpu' })
    tamper(late, 3)
    tabs.push(late)
    await waitFor(() => late.session.model?.round === 4, 'the late tab catching up', 20_000)
    expect(weightsDigest(late.session.model!.weights)).toBe(weightsDigest(tabs[0]!.session.model!.weights))
  })

  it('replays of versions never released, checkpoints from tabs not asked, and replay floods are refused', async () => {
    const { peer, id } = await rawJoin()
    const keyId = federation().custody.keyId!
    const ghost = 'r3-he9999999999'
    expectRefused(
      await peer.ask('client:replay', { after: ghost }),
      'stale-round',
      new RegExp(`model ${ghost} is no longer in the encrypted history \\(it was never released\\)`),
    )
    const whole = (await peer.ask('client:replay', { after: null })) as Answer
    expect(whole).toMatchObject({ ok: true, value: { checkpoint: null, more: false } })
    expect((whole.value as { aggregates: unknown[] }).aggregates).toHaveLength(4)
    const latest = (await peer.ask('client:replay', { after: versionOf(4) })) as Answer
    expect(latest).toMatchObject({ ok: true, value: { checkpoint: null, aggregates: [], more: false } })

    const upload = {
      round: 4,
      version: versionOf(4),
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

    // Each part of the replay costs more of the connection's event budget than a plain event.
    const after = { after: versionOf(4) }
    const flood = await Promise.all(Array.from({ length: 30 }, () => peer.ask('client:replay', after)))
    expect(flood.filter((a) => (a as Answer).error?.code === 'rate-limited').length).toBeGreaterThan(10)
    expect(encryption()).toMatchObject({ checkpointRound: null, replayAggregates: 4 })
  })

  it('a key holder lying in its evaluation cannot get an honest checkpoint refused, even when its lie comes first', async () => {
    trap = { round: 5, lie: true }
    const liarOfRound4 = asked.at(-1)!.tab
    await trainTo(5)
    await waitFor(() => encryption().checkpointRound === 5, 'the honest checkpoint of round 5', 15_000)
    expect(trapped).toMatchObject({ version: versionOf(5) })
    const round5 = asked.filter((a) => a.round === 5)
    expect(round5).toHaveLength(1)
    // The holder whose checkpoint was refused is not asked again.
    expect(round5[0]!.tab).not.toBe(liarOfRound4)
    expect(logged(/^checkpoint from .* refused/)).toHaveLength(1)
    expect(logged(/^checkpoint of round 5 from .*, vouched for by 2 tab/)).toHaveLength(1)
    expect(encryption()).toMatchObject({ encryptedRounds: 5, checkpointRound: 5, replayAggregates: 0 })
    const late = await startHeadlessClient(coordinator.url, { backend: 'cpu' })
    tamper(late, 4)
    tabs.push(late)
    await waitFor(() => late.session.model?.round === 5, 'a second late tab catching up', 20_000)
    expect(weightsDigest(late.session.model!.weights)).toBe(weightsDigest(tabs[0]!.session.model!.weights))
    expect(late.session.snapshot.notices.find((n) => n.text.startsWith('caught up'))?.text).toMatch(
      /the checkpoint of round 5 and 0 aggregate/,
    )
  })

  it('sybils that never held the key cannot vouch against an honest checkpoint', async () => {
    // More raw peers than there are key holders (5) never took the key, and report a made-up digest of every
    // encrypted model as soon as it is out.
    const lies: unknown[] = []
    for (let i = 0; i < 6; i++) {
      const { peer } = await rawJoin({ ready: true })
      peer.ws.on('message', (data, isBinary) => {
        const match = isBinary ? null : /^45\d+-\["model:encrypted",(\{.*)\]$/s.exec(data.toString())
        if (!match) return
        const { version } = JSON.parse(match[1]!) as { version: string }
        const confusion = [
          [1, 0],
          [0, 1],
        ]
        const report = { version, examples: 2, lossSum: 1, confusion, digest: SYBIL_LIE }
        void peer.ask('client:evaluation', report).then((a) => lies.push(a))
      })
    }
    trap = { round: 7, lie: false }
    await trainTo(7)
    await waitFor(() => encryption().checkpointRound === 7, 'the honest checkpoint of round 7', 15_000)
    // Their reports were answered (taken as evaluations today); as digests they did not count.
    expect(lies.length).toBeGreaterThanOrEqual(6)
    expect(logged(/^checkpoint from .* refused/)).toHaveLength(1)
    expect(encryption()).toMatchObject({ encryptedRounds: 7, checkpointRound: 7, replayAggregates: 0 })
  })
})
