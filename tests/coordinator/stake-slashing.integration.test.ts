import { io, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { Json } from '../../shared/chain/encoding'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { encodeFloat32, firstNonFinite } from '../../shared/codec'
import type { AccountView, RoundStartMessage } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'
import type { Result } from '../../shared/result'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { useTestFederation, waitForReady } from '../helpers/coordinator'
import { provenHello } from '../helpers/proven-join'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()
const sockets: Socket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect()
})

const TASK = 'demo-diabetes'

/** A raw peer: its socket, an ack-awaiting send, and a signed transaction from its account (next nonce). */
function peer(url: string, keys: KeyPair) {
  const socket = io(url, { forceNew: true, transports: ['websocket'] })
  sockets.push(socket)
  const send = (event: string, payload: unknown) =>
    socket.timeout(10_000).emitWithAck(event, payload) as Promise<Result<unknown>>
  const transact = async (type: string, payload: Json) => {
    const account = await send('client:account', { address: keys.address })
    if (!account.ok) throw new Error(account.error.message)
    const { chainId, nonce } = account.value as AccountView
    return send(
      'client:transaction',
      signTransaction(keys, { chainId, nonce, type, payload, timestamp: Date.now() }),
    )
  }
  return { socket, send, transact }
}

describe('a paid task that asks a stake', () => {
  it('admits only staked accounts, slashes a tab whose updates are broken, and returns the honest stakes at the end', async () => {
    const coordinator = await run.start({
      random: seededRandom(9),
      tasks: [{ ...diabetesDemoTask('mlp', 2026), stake: { tokens: 40 } }],
      config: { rounds: 2, minClients: 3, localEpochs: 1, rewardPerExample: 1 },
    })
    const chain = coordinator.chain
    expect(chain.state.tasks[TASK]).toMatchObject({ stake: 40 })
    expect(chain.fundTask(TASK, 10_000).ok).toBe(true)

    // An account that has not staked is refused at its hello, with what to do.
    const stranger = generateKeyPair()
    const lurker = peer(coordinator.url, stranger)
    const refused = await lurker.send('client:hello', await provenHello(lurker.send, stranger, TASK))
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(!refused.ok && refused.error.message).toMatch(
      /asks a stake of 40 tokens before joining: send training\.stake \{"taskId":"demo-diabetes"\} from px[0-9a-f]+ \(balance 0\)/,
    )

    // Honest tabs stake by themselves before joining (claiming their faucet grant of 100 first).
    const honest = [generateKeyPair(), generateKeyPair()]
    for (const keys of honest) await run.addClient({ backend: 'cpu', keys })
    await waitForReady(coordinator.federation, 2)
    for (const keys of honest) {
      expect(chain.state.tasks[TASK]!.stakes![keys.address]).toMatchObject({ amount: 40, held: 40 })
      expect(chain.state.accounts[keys.address]!.balance).toBe(60)
    }

    // Mallory stakes over raw frames, joins, and answers every round with a NaN update it signs.
    const mallory = generateKeyPair()
    const m = peer(coordinator.url, mallory)
    expect((await m.transact('token.claim', {})).ok).toBe(true)
    expect((await m.transact('training.stake', { taskId: TASK })).ok).toBe(true)
    const hello = await m.send('client:hello', await provenHello(m.send, mallory, TASK))
    expect(hello.ok).toBe(true)
    expect((await m.send('client:ready', { trainExamples: 200, testExamples: 10 })).ok).toBe(true)
    const acks: Result<unknown>[] = []
    m.socket.on('round:start', async (message: RoundStartMessage) => {
      const length = (message.model.weights as ArrayBuffer).byteLength / 4
      const delta = encodeFloat32(new Float32Array(length).fill(Number.NaN))
      acks.push(
        await m.send('client:update', {
          round: message.round,
          baseVersion: message.model.version,
          examples: 200,
          delta,
          metrics: { loss: 0.1, accuracy: 0.9 },
          signature: signUpdate(mallory, TASK, message.round, updateHash(new Uint8Array(delta))),
        }),
      )
    })

    const federation = coordinator.federation
    await waitForReady(federation, 3)
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 2, 'two rounds with a broken tab', 60_000)
    await waitFor(() => chain.state.tasks[TASK]?.finished === true, 'the task ending on the chain')

    // Its updates were refused and told, the model stayed finite, and each round's record rejects it.
    await waitFor(() => acks.length === 2, "the refusal of mallory's second update")
    for (const ack of acks) expect(ack).toMatchObject({ ok: false, error: { code: 'non-finite' } })
    expect(firstNonFinite(federation.global.weights)).toBe(-1)
    const records = chain.state.rounds.filter((r) => r.taskId === TASK)
    expect(records).toHaveLength(2)
    for (const record of records) {
      expect(record.participants.find((p) => p.address === mallory.address)).toMatchObject({
        verdict: 'rejected',
        reason: 'non-finite',
        weight: 0,
      })
      expect(record.rewards.find((r) => r.address === mallory.address)?.amount).toBe(0)
    }
    // Slashed 50% of 40 in round 1 and the other 20 in round 2, into the escrow; the slashes are on the chain.
    expect(records.flatMap((r) => r.slashes ?? [])).toEqual([
      { round: 1, address: mallory.address, amount: 20, reason: 'non-finite' },
      { round: 2, address: mallory.address, amount: 20, reason: 'non-finite' },
    ])
    const stakes = chain.state.tasks[TASK]!.stakes!
    expect(stakes[mallory.address]).toMatchObject({ held: 0, slashed: 40, released: 0 })
    expect(chain.state.accounts[mallory.address]!.balance).toBe(60)
    // The honest tabs were paid and got their 40 back when the task ended.
    for (const keys of honest) {
      expect(stakes[keys.address]).toMatchObject({ held: 0, slashed: 0, released: 40 })
      expect(chain.state.accounts[keys.address]!.balance).toBeGreaterThan(100)
    }
    // The live page shows the verdict; the slashed account cannot come back.
    expect(Object.values(federation.history[1]!.verdicts ?? {})).toContain('rejected: non-finite')
    const again = peer(coordinator.url, mallory)
    const back = await again.send('client:hello', await provenHello(again.send, mallory, TASK))
    expect(back).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(!back.ok && back.error.message).toMatch(/has ended on the chain/)
  }, 120_000)
})
