import { io, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '../../shared/chain/keys'
import { signUpdate, updateHash } from '../../shared/chain/update-signature'
import { encodeFloat32, firstNonFinite } from '../../shared/codec'
import type { HelloReply, Notice, RoundStartMessage } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'
import type { Result } from '../../shared/result'
import { defaultRobustnessConfig, type RobustnessConfig } from '../../shared/rounds/config'
import { useTestFederation, waitForReady } from '../helpers/coordinator'
import { provenHello } from '../helpers/proven-join'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()
const sockets: Socket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect()
})

/**
 * Issue 14's attacker, over raw frames: it declares 1,000,000,000 training examples and answers every round with a
 * finite update of 3.3e38 per coordinate, signed with its own key as an honest tab's would be.
 */
async function attacker(url: string) {
  const keys = generateKeyPair()
  const socket = io(url, { forceNew: true, transports: ['websocket'] })
  sockets.push(socket)
  const send = (event: string, payload: unknown) =>
    socket.timeout(10_000).emitWithAck(event, payload) as Promise<Result<unknown>>
  const notices: string[] = []
  const acks: Result<unknown>[] = []
  socket.on('notice', (n: Notice) => notices.push(n.text))
  const hello = await send('client:hello', await provenHello(send, keys, 'demo-diabetes'))
  if (!hello.ok) throw new Error(hello.error.message)
  const { maxMessageBytes: _cap, ...joined } = hello.value as HelloReply
  expect((await send('client:ready', { trainExamples: 1e9, testExamples: 10 })).ok).toBe(true)
  socket.on('round:start', async (m: RoundStartMessage) => {
    const delta = encodeFloat32(new Float32Array(joined.task.model.kind ? parameters(m) : 0).fill(3.3e38))
    acks.push(
      await send('client:update', {
        round: m.round,
        baseVersion: m.model.version,
        examples: 1e9,
        delta,
        metrics: { loss: 0.1, accuracy: 0.99 },
        signature: signUpdate(keys, 'demo-diabetes', m.round, updateHash(new Uint8Array(delta))),
      }),
    )
  })
  return { address: keys.address, notices, acks }
}

/** The global model's length, from the weights a plaintext round start carries. */
const parameters = (m: RoundStartMessage): number => (m.model.weights as ArrayBuffer).byteLength / 4

/** Two honest tabs and the attacker run three rounds under `aggregator`, with 10,000 tokens in escrow. */
async function attacked(aggregator: RobustnessConfig['aggregator']) {
  const coordinator = await run.start({
    random: seededRandom(4),
    config: {
      rounds: 3,
      minClients: 3,
      localEpochs: 2,
      rewardPerExample: 1,
      robustness: { ...defaultRobustnessConfig, aggregator },
    },
  })
  expect(coordinator.chain.fundTask('demo-diabetes', 10_000).ok).toBe(true)
  const honest = [generateKeyPair(), generateKeyPair()]
  for (const keys of honest) await run.addClient({ backend: 'cpu', keys })
  const mallory = await attacker(coordinator.url)
  const federation = coordinator.federation
  await waitForReady(federation, 3)
  expect(federation.control('start').ok).toBe(true)
  await waitFor(() => federation.state.completedRounds === 3, 'three rounds with the attacker', 60_000)
  await waitFor(() => federation.history[3]?.evaluation?.reports === 2, 'the honest tabs scoring round 3')
  return { coordinator, federation, honest, mallory }
}

describe('a hostile tab that claims 1e9 examples and sends 3.3e38 per coordinate', () => {
  it('FedAvg with the default bounds: the model stays finite, the claim is capped, the update clipped, the tab told, and it earns no more than an honest tab', async () => {
    const { coordinator, federation, honest, mallory } = await attacked('fedavg')
    expect(coordinator.chain.fundTask('demo-diabetes', 10_000).ok).toBe(true)
    // The model stays finite (before: L2 norm 5.6e39, then NaN): every round counted the attacker, scaled down.
    expect(firstNonFinite(federation.global.weights)).toBe(-1)
    expect(mallory.acks.every((a) => a.ok)).toBe(true)

    // Its weight was capped at 3x the median declared count and its update clipped, on the chain and in its notices.
    const records = coordinator.chain.state.rounds.filter((r) => r.taskId === 'demo-diabetes')
    expect(records).toHaveLength(3)
    for (const record of records) {
      const bad = record.participants.find((p) => p.address === mallory.address)!
      const cap = 3 * Math.max(...record.participants.filter((p) => p !== bad).map((p) => p.examples))
      expect(bad).toMatchObject({ examples: 1e9, verdict: 'clipped' })
      expect(bad.weight).toBeLessThanOrEqual(cap)
    }
    expect(
      mallory.notices.some((t) =>
        /weighted as \d+ examples, the round's cap \(you declared 1000000000\)/.test(t),
      ),
    ).toBe(true)
    expect(mallory.notices.some((t) => /scaled from norm [\d.e+]+ to the round's bound/.test(t))).toBe(true)
    // The live page's tabs table shows each tab's verdict from the round's record.
    const shown = Object.values(federation.history[1]!.verdicts ?? {})
    expect(
      shown.filter((t) => /^clipped [\d.e+]+ → [\d.e+]+ · capped 1000000000 → \d+ · score \d\.\d\d$/.test(t)),
    ).toHaveLength(1)
    expect(shown.filter((t) => /^accepted · score \d\.\d\d$/.test(t))).toHaveLength(2)
    expect(
      federation.log.entries.some((e) =>
        /round 1: 1 update\(s\) weight-capped, 1 norm-clipped, 0 left out/.test(e.text),
      ),
    ).toBe(true)

    // Paid by capped weight times contribution score: no more than the least-paid honest tab, out of 10,000.
    const balance = (address: string) => coordinator.chain.state.accounts[address]?.balance ?? 0
    const honestPay = honest.map((keys) => balance(keys.address))
    expect(Math.min(...honestPay)).toBeGreaterThan(0)
    expect(balance(mallory.address)).toBeLessThanOrEqual(Math.min(...honestPay))
  }, 120_000)

  it('coordinate-wise median: the model keeps learning from the honest tabs', async () => {
    const { federation } = await attacked('median')
    expect(firstNonFinite(federation.global.weights)).toBe(-1)
    const first = federation.history[0]!.evaluation!
    const last = federation.history[3]!.evaluation!
    expect(last.loss).toBeLessThan(first.loss)
    expect(last.accuracy).toBeGreaterThan(first.accuracy)
  }, 120_000)
})
