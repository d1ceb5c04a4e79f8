import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../client/headless/headless-client'
import type { Coordinator } from '../../coordinator/server'
import { weightsDigest } from '../../shared/model/version'
import type {
  CheckpointUpload,
  CheckpointVerdictReport,
  EncryptedAggregateMessage,
  EncryptedCheckpointMessage,
} from '../../shared/protocol'
import type { RawSocketIo } from '../helpers/raw-socket-io'
import { waitFor } from '../helpers/wait'
import {
  type Answer,
  expectRefused,
  rawJoin,
  startEncryptedFederation,
  trainTo,
} from './support/encrypted-federation'

/**
 * Encrypted checkpoints attacked by key holders: real headless tabs whose checkpoint uploads and verdicts are
 * rewritten on their way out, on a real coordinator running BFV rounds with a checkpoint asked for every 2
 * aggregates. A checkpoint is taken only once other key holders decrypted it and found their own model
 * (`checkpoint-collector.ts`): the coordinator cannot read it, so a holder that encrypts other weights under the
 * honest digest, or a verifier that lies, is what it must withstand.
 * Four tests failed before the fix (`checkpoint-collector.ts` `settle`; `encrypted-rounds.ts` `askCheckpoint`,
 * `offerCheckpoint`): a lone verifier's "mismatch" got the uploader distrusted (its word against the uploader's);
 * a holder whose fellow holders were distrusted was taken on its word "(the only key holder)" though they held the
 * key; and a second offer for the same ask was loaded, and garbage in it cancelled the first. So one liar could get
 * an honest holder distrusted, then its own forged checkpoint taken, and every late tab would start from it.
 */
let coordinator: Coordinator
let tabs: HeadlessClient[] = []
const peers: RawSocketIo[] = []

/** What a tab sends instead of its checkpoint upload (back to back); null: the upload as it is. */
let onUpload: ((tab: number, upload: CheckpointUpload) => Promise<CheckpointUpload[]>) | null = null
/** The verdicts a tab sends the moment it is asked to verify; null: its own, once it decrypted the checkpoint. */
let onVerify:
  | ((tab: number, checkpoint: EncryptedCheckpointMessage) => CheckpointVerdictReport[] | null)
  | null = null
/** How long the tabs' own verdicts wait before they go out (so that a liar's come first). */
let verdictDelayMs = 0
const sent: { event: string; tab: number; payload: { version: string; outcome?: string }; answer: Answer }[] =
  []
const asked: { tab: number; round: number; version: string }[] = []
const verifying: { tab: number; version: string }[] = []
let lastAggregate: EncryptedAggregateMessage | null = null
const verdicts: ((report: CheckpointVerdictReport) => Promise<unknown[]>)[] = []

const federation = () => coordinator.federation
const encryption = () => federation().snapshot(false).encryption
const logged = (pattern: RegExp) => federation().log.entries.filter((e) => pattern.test(e.text))
const refused = () => logged(/^checkpoint from .* refused/)
const versionOf = (round: number) => federation().history.find((r) => r.round === round)!.version
const idOf = (tab: number) => tabs[tab]!.session.snapshot.clientId!
/** What was sent of `event` (by `tab`) since `mark` (an earlier `sent.length`), with its answer. */
const sentSince = (mark: number, event: string, tab?: number) =>
  sent.slice(mark).filter((s) => s.event === event && (tab === undefined || s.tab === tab))

/** The model a tab holds, a little changed, encrypted under the task's key in place of its checkpoint. */
async function otherWeights(tab: number, upload: CheckpointUpload, digest: 'honest' | 'own') {
  const weights = tabs[tab]!.session.model!.weights
  weights[0]! += 0.25
  const ciphertexts = await tabs[tab]!.encryption!.encryptCheckpoint(upload.keyId, weights)
  return { ...upload, ciphertexts, digest: digest === 'honest' ? upload.digest : weightsDigest(weights) }
}

function tamper(tab: HeadlessClient, index: number): void {
  type Emit = (event: string, ...args: unknown[]) => unknown
  const socket = tab.socket as unknown as {
    emit: Emit
    flags: object
    on<T>(event: string, listener: (message: T) => void): void
  }
  const emit = socket.emit.bind(socket) as Emit
  /** Versions whose verdict this tab already sent (lied) on its own: the session's is kept back. */
  const kept = new Set<string>()
  const send = (event: string, payload: { version: string }, flags: object) =>
    new Promise<unknown[]>((resolve) => {
      socket.flags = { ...flags }
      emit(event, payload, (...a: unknown[]) => {
        sent.push({ event, tab: index, payload, answer: a.at(-1) as Answer })
        resolve(a)
      })
    })
  verdicts[index] = (report) => send('client:he-checkpoint-verdict', report, { timeout: 30_000 })
  socket.on<EncryptedAggregateMessage>('model:encrypted', (message) => {
    lastAggregate = message
  })
  socket.on<{ round: number; version: string }>('he:checkpoint-request', ({ round, version }) =>
    asked.push({ tab: index, round, version }),
  )
  socket.on<EncryptedCheckpointMessage>('he:checkpoint-verify', (checkpoint) => {
    verifying.push({ tab: index, version: checkpoint.version })
    const lies = onVerify?.(index, checkpoint)
    if (!lies) return
    kept.add(checkpoint.version)
    for (const lie of lies) void verdicts[index]!(lie)
  })
  // Checkpoints and verdicts go out through `send` (their answers recorded), rewritten as the test says.
  socket.emit = (event, ...args) => {
    if (event !== 'client:he-checkpoint' && event !== 'client:he-checkpoint-verdict')
      return emit(event, ...args)
    const payload = args[0] as CheckpointUpload
    const ack = args.at(-1) as (...a: unknown[]) => void
    const flags = socket.flags
    socket.flags = {}
    void (async () => {
      const payloads =
        event === 'client:he-checkpoint-verdict'
          ? kept.delete(payload.version)
            ? []
            : [payload]
          : onUpload
            ? await onUpload(index, payload)
            : [payload]
      if (event === 'client:he-checkpoint-verdict' && payloads.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, verdictDelayMs))
      }
      const answers = await Promise.all(payloads.map((p) => send(event, p, flags)))
      ack(...(answers[0] ?? [null, { ok: true, value: null }]))
    })()
    return socket
  }
}

/** A tab joining late, tampered with like the others: it catches up to the same bits as the first tab. */
async function lateTab(): Promise<HeadlessClient> {
  const late = await startHeadlessClient(coordinator.url, { backend: 'cpu' })
  tamper(late, tabs.length)
  tabs.push(late)
  const round = federation().state.completedRounds
  await waitFor(() => late.session.model?.round === round, 'the late tab catching up', 20_000)
  expect(weightsDigest(late.session.model!.weights)).toBe(weightsDigest(tabs[0]!.session.model!.weights))
  return late
}

beforeAll(async () => {
  ;({ coordinator, tabs } = await startEncryptedFederation(2, tamper))
})

afterAll(async () => {
  for (const peer of peers) peer.close()
  for (const tab of tabs) tab.close()
  await coordinator?.close()
})

describe('a checkpoint is taken only when other key holders decrypt it to their own model', () => {
  it('other weights under the honest digest: both verifiers decrypt them and refuse it; its holder is not asked again', async () => {
    onUpload = async (tab, upload) => {
      onUpload = null
      return [await otherWeights(tab, upload, 'honest')]
    }
    await trainTo(coordinator, tabs, 2)
    await waitFor(() => refused().length === 1, 'the forgery refused', 10_000)
    const [ask] = asked
    expect(ask).toMatchObject({ round: 2, version: versionOf(2) })
    expect(verifying.map((v) => v.tab).sort()).toEqual([0, 1, 2].filter((t) => t !== ask!.tab))
    expect(refused()[0]!.text).toMatch(
      new RegExp(
        `^checkpoint from ${idOf(ask!.tab)} refused: 2 key holder\\(s\\) decrypted it and found it decrypts to weights whose SHA-256 is not the one it claims`,
      ),
    )
    expect(encryption()).toMatchObject({ checkpointRound: null, replayAggregates: 2 })
  })

  it('uploads of another model or of the wrong form are refused naming why; a holder left alone is not asked', async () => {
    const distrusted = asked[0]!.tab
    const mark = sent.length
    onUpload = async (_tab, u) => {
      onUpload = null
      const older = versionOf(u.round - 1)
      return [
        { ...u, version: 'r3-he0123456789' },
        { ...u, version: older, round: u.round - 1 },
        { ...u, version: older },
        { ...u, ciphertexts: [...u.ciphertexts, ...u.ciphertexts] },
        u,
      ]
    }
    await trainTo(coordinator, tabs, 3)
    await waitFor(
      () => sentSince(mark, 'client:he-checkpoint').length === 5,
      'the five uploads answered',
      10_000,
    )
    const [ask] = asked.slice(1)
    expect(ask).toMatchObject({ round: 3 })
    expect(ask!.tab).not.toBe(distrusted)
    const [neverReleased, olderRound, olderVersion, tooMany, honest] = sentSince(
      mark,
      'client:he-checkpoint',
    ).map((s) => s.answer)
    expectRefused(neverReleased, 'stale-round', /model r3-he0123456789 is not in the encrypted history/)
    expectRefused(
      olderRound,
      'stale-round',
      new RegExp(`asked for is of model ${versionOf(3)} \\(round 3\\)`),
    )
    expectRefused(olderVersion, 'stale-round', new RegExp(`asked for is of model ${versionOf(3)}`))
    expectRefused(
      tooMany,
      'bad-payload',
      new RegExp(`${federation().parameters} parameters take 1 ciphertexts, got 2`),
    )
    // Ciphertexts that do not load end the ask: the honest upload that follows was no longer asked for.
    expectRefused(honest, 'invalid-state', new RegExp(`${idOf(ask!.tab)} was not asked for a checkpoint`))
    // Two of the three key holders are distrusted: the third has nobody to verify it, so none is asked of it.
    await trainTo(coordinator, tabs, 4)
    expect(asked).toHaveLength(2)
    expect(encryption()).toMatchObject({ encryptedRounds: 4, checkpointRound: null, replayAggregates: 4 })
  })

  it('a late tab still catches up from the whole history, to the same bits', async () => {
    await lateTab()
    expect(federation().custody.holders).toBe(4)
  })

  it('one key holder lying as verifier and forging as uploader, against one honest holder: neither is taken', async () => {
    const [p, q] = asked.map((a) => a.tab)
    const honest = [0, 1, 2].find((t) => t !== p && t !== q)!
    const liar = 3
    const mark = sent.length
    let forgeries = 0
    onVerify = (tab, { version }) =>
      tab === liar ? [{ version, outcome: 'mismatch', reason: "its weights are not this tab's model" }] : null
    onUpload = async (tab, upload) => {
      if (tab !== liar) return [upload]
      // Other weights under their own digest (a late tab would find nothing wrong), then another aggregate's
      // ciphertexts under the honest digest.
      if (forgeries++ % 2 === 0) return [await otherWeights(tab, upload, 'own')]
      return [{ ...upload, ciphertexts: [...lastAggregate!.ciphertexts] }]
    }
    await trainTo(coordinator, tabs, 9)
    const asks = asked.slice(2)
    const lapsed = () => logged(/^checkpoint from .* not taken: its verifiers disagreed/)
    await waitFor(() => lapsed().length === asks.length, 'every ask settled', 10_000)
    // Each ask lapsed: the honest holder's for the liar's lie, the liar's for the honest holder's finding.
    expect(new Set(asks.map((a) => a.tab))).toEqual(new Set([honest, liar]))
    expect(refused()).toHaveLength(1)
    const honestLapsed = new RegExp(`^checkpoint from ${idOf(honest)} not taken: .*\\(mismatch\\)`)
    expect(logged(honestLapsed).length).toBeGreaterThan(0)
    expect(encryption()).toMatchObject({ encryptedRounds: 9, checkpointRound: null, replayAggregates: 9 })
    // The honest holder found every forgery of the liar wrong, and its finding was taken.
    const found = sentSince(mark, 'client:he-checkpoint-verdict', honest)
    expect(found).toHaveLength(asks.filter((a) => a.tab === liar).length)
    for (const { payload, answer } of found) {
      expect(payload.outcome).toBe('mismatch')
      expect(answer).toMatchObject({ ok: true })
    }
  })

  it('a second late tab catches up from the whole history to the same bits: no forgery entered it', async () => {
    const late = await lateTab()
    expect(late.session.snapshot.notices.find((n) => n.text.startsWith('caught up'))?.text).toMatch(
      /the model in the clear and 9 aggregate/,
    )
  })

  it('with a second honest verifier the liar is refused and an honest checkpoint taken; misplaced verdicts count for nothing', async () => {
    const liar = 3
    const refusedBefore = refused().length
    const lapsedBefore = logged(new RegExp(`^checkpoint from ${idOf(liar)} not taken`)).length
    const mark = sent.length
    const sybils = await Promise.all(Array.from({ length: 4 }, () => rawJoin(coordinator)))
    peers.push(...sybils.map((s) => s.peer))
    // A tab that never held the key cannot have scored the encrypted model: its evaluation is refused.
    const confusion = [
      [5, 0],
      [0, 5],
    ]
    const madeUp = { version: federation().global.version, examples: 10, lossSum: 1, confusion }
    expectRefused(
      await sybils[0]!.peer.ask('client:evaluation', madeUp),
      'forbidden',
      /does not hold the task's key, so it cannot have evaluated the encrypted model/,
    )
    const sybilAnswers: unknown[] = []
    const own: unknown[] = []
    let doubled = false
    let doubleTalk: number | null = null
    // The liar, and the first honest verifier (tampered with), answer at once, before the other verifier; the
    // latter on another model's version, then a verdict, then another one.
    verdictDelayMs = 300
    onVerify = (tab, { version }) => {
      if (tab === liar) return [{ version, outcome: 'mismatch', reason: 'lies' }]
      if (doubleTalk !== null) return null
      doubleTalk = tab
      return [
        { version: versionOf(1), outcome: 'match' },
        { version, outcome: 'unavailable', reason: 'busy' },
        { version, outcome: 'match' },
      ]
    }
    onUpload = async (tab, upload) => {
      if (tab === liar) return [await otherWeights(tab, upload, 'own')]
      // Raw peers that never held the key, and the uploader itself, vouch against it or for it.
      for (const { peer } of sybils) {
        const report = { version: upload.version, outcome: 'mismatch', reason: 'sybil' }
        void peer.ask('client:he-checkpoint-verdict', report).then((a) => sybilAnswers.push(a))
      }
      void verdicts[tab]!({ version: upload.version, outcome: 'match' }).then((a) => own.push(a.at(-1)))
      if (doubled) return [upload]
      doubled = true
      // A second offer for the same ask, right behind the first: forged weights, or garbage, that would replace it.
      return [upload, await otherWeights(tab, upload, 'own'), { ...upload, ciphertexts: [randomBytes(64)] }]
    }
    const firstAsk = asked.length
    await trainTo(coordinator, tabs, federation().state.completedRounds + 10)
    await waitFor(() => encryption()?.checkpointRound !== null, 'an honest checkpoint taken', 10_000)
    onVerify = null
    onUpload = null
    verdictDelayMs = 0
    expect(refused()).toHaveLength(refusedBefore + 1)
    expect(refused().at(-1)!.text).toMatch(new RegExp(`^checkpoint from ${idOf(liar)} refused: 2 key holder`))
    // The liar's asks lapsed (a verifier did not check it) until one was refused; it was not asked again.
    const lapsed = logged(new RegExp(`^checkpoint from ${idOf(liar)} not taken`)).length - lapsedBefore
    expect(asked.slice(firstAsk).filter((a) => a.tab === liar)).toHaveLength(lapsed + 1)
    const taken = logged(/^checkpoint of round \d+ from .*, verified by/)
    expect(taken.length).toBeGreaterThan(0)
    for (const { text } of taken) expect(text).not.toContain(idOf(liar))

    // The second and third offer were refused without a look: the first stood, and its ask went on.
    const offers = sentSince(mark, 'client:he-checkpoint').filter((s) => !s.answer.ok)
    expect(offers).toHaveLength(2)
    for (const { answer } of offers)
      expectRefused(answer, 'invalid-state', /already sent the checkpoint it was asked/)
    const [other, first, again] = sentSince(mark, 'client:he-checkpoint-verdict', doubleTalk!).slice(0, 3)
    expectRefused(other?.answer, 'stale-round', /the checkpoint to verify is of model r\d+-he/)
    expect(first?.answer).toMatchObject({ ok: true })
    expectRefused(again?.answer, 'invalid-state', new RegExp(`${idOf(doubleTalk!)} already gave its verdict`))
    for (const answer of sybilAnswers)
      expectRefused(answer, 'invalid-state', /was not asked to verify a checkpoint/)
    expect(own.length).toBeGreaterThan(0)
    for (const answer of own) expectRefused(answer, 'invalid-state', /was not asked to verify a checkpoint/)
  })

  it('a third late tab starts from the checkpoint, to the same bits', async () => {
    const late = await lateTab()
    const round = encryption()!.checkpointRound!
    expect(late.session.snapshot.notices.find((n) => n.text.startsWith('caught up'))?.text).toMatch(
      new RegExp(`the checkpoint of round ${round}`),
    )
  })
})
