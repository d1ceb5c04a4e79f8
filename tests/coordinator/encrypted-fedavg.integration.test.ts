import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TabEncryption } from '../../client/session/tab-encryption'
import { bytesOf } from '../../shared/codec'
import { HeContext } from '../../shared/he/context'
import { createEnvelopeKeyPair, openEnvelope } from '../../shared/he/key-envelope'
import { generateKeys, importKeys } from '../../shared/he/keys'
import { HE_PRESETS } from '../../shared/he/parameters'
import { loadSeal } from '../../shared/he/seal'
import { decryptVector } from '../../shared/he/vector'
import { deserializeVector } from '../../shared/he/wire'
import type { EncryptedAggregateMessage } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { useTestFederation, waitForReady } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()
afterEach(() => vi.restoreAllMocks())

type Sent = { encryption: TabEncryption; delta: Float32Array; examples: number }

/** Records every update a tab encrypts (the real method still runs): the plaintext FedAvg to compare with. */
function recordUpdates(): Sent[] {
  const sent: Sent[] = []
  const original = TabEncryption.prototype.encryptUpdate
  vi.spyOn(TabEncryption.prototype, 'encryptUpdate').mockImplementation(async function (
    this: TabEncryption,
    round,
    delta,
    examples,
  ) {
    sent.push({ encryption: this, delta: delta.slice(), examples })
    return original.call(this, round, delta, examples)
  })
  return sent
}

async function start(count: number, config: Record<string, unknown> = {}) {
  const coordinator = await run.start({
    tasks: [diabetesDemoTask('logistic', 12)],
    random: seededRandom(3),
    config: {
      rounds: 2,
      minClients: count,
      localEpochs: 1,
      learningRate: 0.05,
      encryption: { mode: 'bfv', clamp: 4 },
      ...config,
    },
  })
  await run.addClients(count, { backend: 'cpu' })
  const federation = coordinator.federation
  await waitFor(() => federation.custody.holders === count, `${count} tabs holding the key`)
  return federation
}

function weightedAverage(updates: Sent[]): Float32Array {
  const total = updates.reduce((n, u) => n + u.examples, 0)
  const out = new Float32Array(updates[0]!.delta.length)
  for (const u of updates) for (let i = 0; i < out.length; i++) out[i]! += (u.examples * u.delta[i]!) / total
  return out
}

const maxAbsDifference = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0)

describe('encrypted FedAvg over real sockets (BFV, Node clients)', () => {
  it('equals plaintext FedAvg within quantization error, and the coordinator never holds the model', async () => {
    const sent = recordUpdates()
    const federation = await start(3, { rounds: 1 })
    const base = run.clients[0]!.session.model!.weights
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 1, 'one encrypted round')
    await waitFor(
      () => run.clients.every((c) => c.session.model?.round === 1),
      'tabs decrypting the aggregate',
    )

    expect(sent).toHaveLength(3)
    const expected = weightedAverage(sent).map((d, i) => base[i]! + d)
    const [first, ...others] = run.clients.map((c) => c.session.model!)
    for (const other of others) expect(other.weights).toEqual(first!.weights)
    const record = federation.history[1]!
    const fractionBits = 24 // 3 clients x ~300 examples x clamp 4 leaves more than 24 bits under a 40-bit modulus
    const bound = 3 / 2 ** (fractionBits + 1) + 1e-6
    expect(maxAbsDifference(first!.weights, expected)).toBeLessThan(bound)
    expect(first!.version).toBe(record.version)
    expect(record.encryption).toMatchObject({ preset: 'bfv-8192' })
    expect(record.encryption!.bytesIn).toBeGreaterThan(3 * 100_000)

    // The coordinator's copy is still the model it last saw in the clear.
    expect(federation.modelInClear).toBe(false)
    expect(federation.global.weights).toEqual(base)
    const chained = run.coordinator.chain.lastRound(federation.task.id)!
    expect(chained).toMatchObject({ homomorphic: true, modelAfter: record.encryption!.sumHash })
    // Every tab scored the decrypted model: the federation metrics exist without the coordinator holding it.
    await waitFor(
      () => federation.history[1]?.evaluation?.reports === 3,
      'evaluations of the decrypted model',
    )
  })

  it('a tab that drops mid-round leaves a correct average of the rest; a late tab gets the key and the model', async () => {
    const sent: Sent[] = []
    const federation = await start(3, { rounds: 2, quorumFraction: 0.5, roundDeadlineMs: 20_000 })
    const base = run.clients[0]!.session.model!.weights
    const leaver = run.clients[2]!
    // The third tab closes as soon as it has trained: its update never reaches the coordinator.
    const original = TabEncryption.prototype.encryptUpdate
    vi.spyOn(TabEncryption.prototype, 'encryptUpdate').mockImplementation(async function (
      this: TabEncryption,
      round,
      delta,
      examples,
    ) {
      if (this === leaver.encryption) {
        leaver.close()
        throw new Error('closed mid-round')
      }
      sent.push({ encryption: this, delta: delta.slice(), examples })
      return original.call(this, round, delta, examples)
    })
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 1, 'round 1 from two tabs')
    await waitFor(() => run.clients.slice(0, 2).every((c) => c.session.model?.round === 1), 'decryption')
    expect(federation.history[1]!.participants).toBe(2)
    const expected = weightedAverage(sent.slice(0, 2)).map((d, i) => base[i]! + d)
    expect(maxAbsDifference(run.clients[0]!.session.model!.weights, expected)).toBeLessThan(1e-6)

    // A tab joining now receives the key from a holder, then replays the encrypted aggregates to the same model.
    const late = await run.addClient({ backend: 'cpu' })
    await waitFor(() => late.session.model?.round === 1, 'the late tab catching up')
    expect(late.session.model!.weights).toEqual(run.clients[0]!.session.model!.weights)
    expect(late.session.snapshot.encryption?.role).toBe('received')
    await waitFor(() => federation.state.completedRounds === 2, 'round 2 with the late tab')
    // Both encrypted rounds are on the chain, chained by ciphertext hashes.
    const records = run.coordinator.chain.state.rounds.filter((r) => r.taskId === federation.task.id)
    expect(records.map((r) => r.homomorphic)).toEqual([true, true])
    expect(records[1]!.modelBefore).toBe(records[0]!.modelAfter)
  })

  it('key custody: nothing the coordinator receives or holds decrypts an update', async () => {
    const frames: unknown[] = []
    const federation = await start(3, { rounds: 1 })
    for (const c of run.clients) c.socket.onAnyOutgoing((_event, ...args) => frames.push(args))
    const aggregates: EncryptedAggregateMessage[] = []
    run.clients[0]!.socket.on('model:encrypted', (m) => aggregates.push(m))
    // A fourth tab joins with the frames recorded from its first byte: it receives the key sealed.
    const fourth = await run.addClient({ backend: 'cpu' })
    fourth.socket.onAnyOutgoing((_event, ...args) => frames.push(args))
    await waitFor(() => federation.custody.holders === 4, 'the fourth tab holding the key')
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => aggregates.length === 1, 'the encrypted aggregate')

    const keyId = federation.custody.keyId!
    const secret = await run.clients[0]!.encryption!.secretKeyBytes(keyId)
    // All tabs hold the same secret key; its bytes appear in no frame sent to the coordinator.
    expect(await fourth.encryption!.secretKeyBytes(keyId)).toEqual(secret)
    const windows = [0, 64, 1024, secret.length - 40].map((o) => Buffer.from(secret.subarray(o, o + 32)))
    const hexWindow = Buffer.from(secret.subarray(100, 132)).toString('hex')
    let binaries = 0
    const scan = (value: unknown): void => {
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        binaries++
        const bytes = Buffer.from(bytesOf(value as ArrayBuffer))
        for (const w of windows) expect(bytes.indexOf(w)).toBe(-1)
      } else if (typeof value === 'string') {
        expect(value.includes(hexWindow)).toBe(false)
      } else if (Array.isArray(value)) value.forEach(scan)
      else if (value && typeof value === 'object') Object.values(value).forEach(scan)
    }
    frames.forEach(scan)
    expect(binaries).toBeGreaterThan(4) // envelopes and encrypted updates were among them

    // The coordinator holds no SEAL key. Keys it could make itself, or the envelope keys it relays, fail.
    const seal = await loadSeal()
    const ctx = HeContext.create(seal, HE_PRESETS['bfv-8192'])
    const aggregate = aggregates[0]!
    const wire = {
      contextId: ctx.id,
      keyId,
      length: aggregate.length,
      ciphertexts: aggregate.ciphertexts.map(bytesOf),
    }
    const own = generateKeys(ctx)
    const sum = deserializeVector(ctx, wire)
    const garbage = decryptVector(ctx, { ...own, keyId }, sum)
    const truth = decryptVector(ctx, importKeys(ctx, { keyId, contextId: ctx.id, secretKey: secret }), sum)
    expect(Array.from(garbage.slice(0, 50))).not.toEqual(Array.from(truth.slice(0, 50)))
    expect(() =>
      importKeys(ctx, { keyId, contextId: ctx.id, secretKey: bytesOf(fourth.encryption!.envelopeKey) }),
    ).toThrow()
    // An envelope the coordinator relayed does not open with a key pair of its own.
    const relayed = frames
      .flatMap((f) =>
        (f as unknown[]).filter(
          (a): a is { envelope: Record<string, ArrayBuffer> } =>
            !!a && typeof a === 'object' && 'envelope' in a,
        ),
      )
      .map((a) => a.envelope)
    expect(relayed.length).toBeGreaterThan(0)
    const intruder = await createEnvelopeKeyPair()
    const envelope = relayed[0]!
    await expect(
      openEnvelope(
        intruder,
        {
          senderPublicKey: bytesOf(envelope.senderPublicKey!),
          iv: bytesOf(envelope.iv!),
          ciphertext: bytesOf(envelope.ciphertext!),
        },
        `privx/${federation.task.id}/${keyId}/tab-4`,
      ),
    ).rejects.toThrow(/does not open/)
    sum.delete()
    ctx.delete()
  })

  it('CKKS with distributed DP: each tab noises its share, the sum goes over the fixed denominator', async () => {
    const sent = recordUpdates()
    const privacy = {
      mode: 'distributed',
      exampleLevel: { enabled: false, clipNorm: 1, noiseMultiplier: 1 },
      clipNorm: 0.5,
      noiseMultiplier: 1,
      sampleRate: 1,
      delta: 1e-5,
      epsilonBudget: 50,
    }
    const federation = await start(3, { rounds: 1, encryption: { mode: 'ckks', clamp: 4 }, privacy })
    const base = run.clients[0]!.session.model!.weights
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => run.clients.every((c) => c.session.model?.round === 1), 'a DP round under CKKS')
    // Unit weights over the data-independent denominator q * ready = 3; CKKS error and the release rounding are tiny.
    const expected = base.map((w, i) => w + sent.reduce((s, u) => s + u.delta[i]!, 0) / 3)
    expect(maxAbsDifference(run.clients[0]!.session.model!.weights, expected)).toBeLessThan(1e-4)
    expect(federation.history[1]!.epsilon).toBeGreaterThan(0)
    expect(run.coordinator.chain.lastRound(federation.task.id)).toMatchObject({ homomorphic: true })
  })

  it('a restart after encrypted rounds resumes from the latest model recorded in the clear', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'privx-he-resume-'))
    await run.start({
      dataDir,
      tasks: [diabetesDemoTask('logistic', 12)],
      config: { rounds: 3, minClients: 2, localEpochs: 1 },
    })
    await run.addClients(2, { backend: 'cpu' })
    const federation = run.coordinator.federation
    await waitForReady(federation, 2)
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 1, 'a round in the clear')
    // From the next round on; round 2 started in the clear as soon as round 1 closed.
    expect(federation.configure({ encryption: { mode: 'bfv', clamp: 4 } }).ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 3, 'an encrypted round')
    expect(federation.history.map((r) => r.encryption !== null)).toEqual([false, false, false, true])
    expect(federation.modelInClear).toBe(false)
    const clear = federation.history[2]!
    // Switching encryption off would need the model the coordinator does not have.
    expect(federation.configure({ encryption: { mode: 'off', clamp: 4 } })).toMatchObject({
      ok: false,
      error: { code: 'invalid-state' },
    })
    await run.close()

    const coordinator = await run.start({ dataDir, tasks: [diabetesDemoTask('logistic', 12)] })
    expect(coordinator.federation.global).toMatchObject({ round: 2, version: clear.version })
    expect(coordinator.log.entries.map((e) => e.text).join('\n')).toMatch(/encryption.*resuming from round 2/)
  })
})
