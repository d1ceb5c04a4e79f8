import { describe, expect, it } from 'vitest'
import { weightsDigest } from '../../shared/model/version'
import { seededRandom } from '../../shared/random'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { useTestFederation } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()

/** Three tabs run `rounds` BFV rounds with a checkpoint every `every` aggregates. */
async function encryptedRounds(rounds: number, every: number) {
  const coordinator = await run.start({
    tasks: [diabetesDemoTask('logistic', 12)],
    random: seededRandom(5),
    checkpointEvery: every,
    tickMs: 50,
    config: {
      rounds,
      minClients: 3,
      localEpochs: 1,
      learningRate: 0.05,
      encryption: { mode: 'bfv', clamp: 4 },
    },
  })
  await run.addClients(3, { backend: 'cpu' })
  const federation = coordinator.federation
  await waitFor(() => federation.custody.holders === 3, 'three tabs holding the key')
  expect(federation.control('start').ok).toBe(true)
  await waitFor(
    () => federation.state.completedRounds === rounds,
    `${rounds} encrypted rounds`,
    rounds * 4_000,
  )
  await waitFor(
    () => run.clients.every((c) => c.session.model?.round === federation.state.completedRounds),
    'every tab decrypting the last aggregate',
  )
  return federation
}

describe('a tab joining after encrypted rounds (Node tabs over real sockets)', () => {
  it('after 2 rounds: gets the key on the first try and replays both aggregates to the same bits', async () => {
    const federation = await encryptedRounds(2, 10)
    const late = await run.addClient({ backend: 'cpu' })
    await waitFor(
      () => late.session.model?.round === federation.state.completedRounds,
      'the late tab catching up',
    )
    expect(weightsDigest(late.session.model!.weights)).toBe(
      weightsDigest(run.clients[0]!.session.model!.weights),
    )
    expect(late.session.snapshot.encryption?.role).toBe('received')
    expect(late.session.snapshot.notices.map((n) => n.text).join('\n')).not.toMatch(/failed|parse error/)
    expect(federation.snapshot(false).encryption).toMatchObject({ holders: 4, checkpointRound: null })
  })

  it('after 30 rounds: checkpoints compact the history; the late tab replays one checkpoint and a few aggregates, bit for bit', async () => {
    const federation = await encryptedRounds(30, 10)
    // Checkpoints were taken after rounds 10, 20 and 30 (each decrypted and checked by the two other tabs).
    await waitFor(
      () => federation.snapshot(false).encryption.checkpointRound === 30,
      'the checkpoint of round 30',
    )
    const encryption = federation.snapshot(false).encryption
    expect(encryption).toMatchObject({ encryptedRounds: 30, replayAggregates: 0 })
    const events = federation.log.entries.map((e) => e.text)
    expect(
      events.filter((t) => /^checkpoint of round \d+ from tab-\d+, verified by tab-\d+ and tab-\d+:/.test(t)),
    ).toHaveLength(3)

    const late = await run.addClient({ backend: 'cpu' })
    await waitFor(() => late.session.model?.round === 30, 'the late tab catching up')
    expect(weightsDigest(late.session.model!.weights)).toBe(
      weightsDigest(run.clients[0]!.session.model!.weights),
    )
    const caughtUp = late.session.snapshot.notices.find((n) => n.text.startsWith('caught up'))
    expect(caughtUp?.text).toMatch(
      /at round 30: the checkpoint of round 30 and 0 aggregate\(s\), read in 1 part/,
    )
    // And it trains in the next round with the others.
    expect(federation.configure({ rounds: 31 }).ok).toBe(true)
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 31, 'round 31 with the late tab')
    expect(federation.history.at(-1)!.participants).toBe(4)
  }, 180_000)

  it('a tab that reconnects keeps its model and reads only the aggregates it missed', async () => {
    const federation = await encryptedRounds(2, 10)
    const away = run.clients[2]!
    const held = away.session.model!
    expect(held.round).toBe(2)
    away.socket.disconnect()
    await waitFor(() => federation.state.clients.size === 2, 'the tab gone')
    expect(federation.configure({ rounds: 4, minClients: 2 }).ok).toBe(true)
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 4, 'rounds 3 and 4 without it')
    away.socket.connect()
    await waitFor(() => away.session.model?.round === 4, 'the tab back at round 4')
    expect(weightsDigest(away.session.model!.weights)).toBe(
      weightsDigest(run.clients[0]!.session.model!.weights),
    )
    const caughtUp = away.session.snapshot.notices.filter((n) => n.text.startsWith('caught up')).at(-1)
    expect(caughtUp?.text).toMatch(
      /at round 4: the model it held \(round 2\) and 2 aggregate\(s\), read in 1 part/,
    )
  })
})
