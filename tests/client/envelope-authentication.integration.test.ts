import { afterEach, describe, expect, it } from 'vitest'
import type { FederatedSession } from '../../client/session/federated-session'
import { TabEncryption } from '../../client/session/tab-encryption'
import { bytesToHex } from '../../shared/chain/encoding'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import { bytesOf } from '../../shared/codec'
import { keySetFingerprint, type SignedEnvelopeKey, signEnvelopeKey } from '../../shared/he/envelope-identity'
import type { HelloRequest, KeyEnvelopeMessage } from '../../shared/protocol'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { useTestFederation } from '../helpers/coordinator'
import {
  type FakeCoordinator,
  startFakeCoordinator,
  startTab,
  stubTrainer,
  TASK,
  taskState,
} from '../helpers/fake-coordinator'
import { waitFor } from '../helpers/wait'

let fake: FakeCoordinator | null = null
let tab: FederatedSession | null = null
afterEach(async () => {
  tab?.stop()
  await fake?.close()
  tab = null
  fake = null
})

/** A tab that is not connected: its account, envelope key pair and signed entry. */
async function peer(): Promise<{ keys: KeyPair; enc: TabEncryption; entry: SignedEnvelopeKey }> {
  const keys = generateKeyPair()
  const enc = await TabEncryption.create(TASK.id)
  const entry = {
    account: keys.publicKey,
    envelopeKey: bytesToHex(enc.envelopeKey),
    signature: signEnvelopeKey(keys, TASK.id, enc.envelopeKey),
  }
  return { keys, enc, entry }
}

const KEY_ID = 'ab'.repeat(8)

describe('envelope keys signed by accounts: a coordinator cannot swap them', () => {
  it('the sealing tab refuses a swapped or unsigned key (no envelope), seals to the signed one, and its fingerprint shows a swap', async () => {
    fake = await startFakeCoordinator(taskState({ encryption: { mode: 'bfv', keyId: null } }))
    const { trainer } = stubTrainer()
    const keysA = generateKeyPair()
    const encA = await TabEncryption.create(TASK.id)
    tab = startTab(fake.url, trainer, { keys: keysA, encryption: encA })
    const socket = await fake.joined
    await waitFor(() => tab!.snapshot.status === 'idle', 'the tab to join')
    const hello = fake.received.find((r) => r.event === 'client:hello')!.payload as HelloRequest
    const entryA = {
      account: hello.publicKey,
      envelopeKey: bytesToHex(bytesOf(hello.envelopeKey!)),
      signature: hello.envelopeSignature!,
    }
    const b = await peer()
    const mallory = await peer()
    const honest = keySetFingerprint(TASK.id, [entryA, b.entry])

    // The set as shown: A, B, and the coordinator's own key under B's account (its signature cannot be B's).
    socket.emit('he:key-set', { keys: [entryA, b.entry, { ...mallory.entry, account: b.keys.publicKey }] })
    await waitFor(() => tab!.snapshot.keySet !== null, 'the key set')
    expect(tab.snapshot.keySet).toMatchObject({ fingerprint: honest, invalid: 1, includesSelf: true })
    expect(tab.snapshot.keySet!.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){4}$/)

    socket.emit('he:key-generate', { keyId: KEY_ID, preset: 'bfv-4096' })
    await waitFor(() => fake!.received.some((r) => r.event === 'client:he-key'), 'the generated key', 120_000)
    const envelopes = () => fake!.received.filter((r) => r.event === 'client:he-envelope')
    const refusals = () => tab!.snapshot.notices.filter((n) => /not sealed/.test(n.text)).map((n) => n.text)

    // Swapped: the coordinator's key in B's name. Unsigned: no account named. Unknown: an account not in the set.
    socket.emit('he:key-share', {
      keyId: KEY_ID,
      recipient: 'tab-2',
      recipientKey: mallory.enc.envelopeKey.slice().buffer,
      recipientAccount: b.keys.publicKey,
    })
    socket.emit('he:key-share', {
      keyId: KEY_ID,
      recipient: 'tab-2',
      recipientKey: mallory.enc.envelopeKey.slice().buffer,
    })
    socket.emit('he:key-share', {
      keyId: KEY_ID,
      recipient: 'tab-3',
      recipientKey: mallory.enc.envelopeKey.slice().buffer,
      recipientAccount: mallory.keys.publicKey,
    })
    await waitFor(() => refusals().length === 3, 'three refusals')
    expect(refusals()[0]).toMatch(
      /the recipient key is not one account [0-9a-f]{12}… signed \(a swapped envelope key\)/,
    )
    expect(refusals()[1]).toMatch(/no account for the recipient key \(unsigned envelope key\)/)
    expect(refusals()[2]).toMatch(/has no signed envelope key in this task's key set/)
    expect(envelopes()).toEqual([])

    // B's own signed key: sealed, and it opens only in B, which checks the sender is in its set too.
    socket.emit('he:key-share', {
      keyId: KEY_ID,
      recipient: 'tab-2',
      recipientKey: b.enc.envelopeKey.slice().buffer,
      recipientAccount: b.keys.publicKey,
    })
    await waitFor(() => envelopes().length === 1, 'the envelope for B')
    const { envelope } = envelopes()[0]!.payload as { envelope: KeyEnvelopeMessage }
    const viewB = b.enc.keySet.update([entryA, b.entry], {
      account: b.keys.publicKey,
      envelopeKey: b.enc.envelopeKey,
    })
    expect(viewB.fingerprint).toBe(honest)
    await b.enc.receive(KEY_ID, 'bfv-4096', envelope, 'tab-2')
    expect(b.enc.keyId).toBe(KEY_ID)
    // An envelope from a key outside the set is not opened (the coordinator sealing a key of its own).
    mallory.enc.keySet.update([mallory.entry], {
      account: mallory.keys.publicKey,
      envelopeKey: mallory.enc.envelopeKey,
    })
    expect(b.enc.keySet.senderProblem(mallory.enc.envelopeKey)).toMatch(/not a signed key/)
    await expect(
      b.enc.receive(
        KEY_ID,
        'bfv-4096',
        { ...envelope, senderPublicKey: mallory.enc.envelopeKey.slice().buffer },
        'tab-2',
      ),
    ).rejects.toThrow(/not opened: the envelope's sender key is not a signed key/)

    // A swap under an account the coordinator controls verifies, but A's fingerprint no longer matches B's.
    socket.emit('he:key-set', { keys: [entryA, mallory.entry] })
    await waitFor(() => tab!.snapshot.keySet?.fingerprint !== honest, 'the changed fingerprint')
    expect(tab.snapshot.keySet).toMatchObject({
      invalid: 0,
      accounts: [entryA.account, mallory.keys.publicKey].sort(),
    })
    expect(tab.snapshot.keySet!.fingerprint).not.toBe(viewB.fingerprint)
  }, 180_000)
})

describe('the key set a tab keeps', () => {
  it('takes each tab of one browser (one account, several envelope keys); a key counts only under its own account', async () => {
    const b = await peer()
    const second = await TabEncryption.create(TASK.id)
    const secondEntry = {
      account: b.keys.publicKey,
      envelopeKey: bytesToHex(second.envelopeKey),
      signature: signEnvelopeKey(b.keys, TASK.id, second.envelopeKey),
    }
    const other = await peer()
    const view = other.enc.keySet.update([b.entry, secondEntry, other.entry], {
      account: other.keys.publicKey,
      envelopeKey: other.enc.envelopeKey,
    })
    expect(view).toMatchObject({ keys: 3, invalid: 0, includesSelf: true })
    expect(view.accounts).toHaveLength(2)
    expect(other.enc.keySet.recipientProblem(b.keys.publicKey, second.envelopeKey)).toBeNull()
    expect(other.enc.keySet.recipientProblem(other.keys.publicKey, second.envelopeKey)).toMatch(/swapped/)
    // A signature for another task does not verify here.
    const elsewhere = { ...b.entry, signature: signEnvelopeKey(b.keys, 'other-task', b.enc.envelopeKey) }
    expect(
      other.enc.keySet.update([elsewhere], { account: '', envelopeKey: new Uint8Array(65) }).invalid,
    ).toBe(1)
  })
})

describe('honest tabs of a real coordinator', () => {
  const run = useTestFederation()

  it('all show the same fingerprint of the same signed key set', async () => {
    const coordinator = await run.start({
      tasks: [diabetesDemoTask('logistic', 12)],
      config: { rounds: 1, minClients: 3, localEpochs: 1, encryption: { mode: 'bfv', clamp: 4 } },
    })
    await run.addClients(3, { backend: 'cpu' })
    await waitFor(() => coordinator.federation.custody.holders === 3, 'three tabs holding the key', 120_000)
    const views = run.clients.map((c) => c.session.snapshot.keySet!)
    expect(views.every((v) => v.keys === 3 && v.invalid === 0 && v.includesSelf)).toBe(true)
    expect(new Set(views.map((v) => v.fingerprint)).size).toBe(1)
  }, 180_000)
})
