import { describe, expect, it } from 'vitest'
import type { HeadlessClient } from '../../client/headless/headless-client'
import type { TrainerPort, TrainProgress, TrainRequest } from '../../client/training/trainer-port'
import { seededRandom } from '../../shared/random'
import type { TrainingConfig } from '../../shared/rounds/config'
import { useTestFederation, waitForReady } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()

async function federation(count: number, config: Partial<TrainingConfig>) {
  const coordinator = await run.start({ seed: 11, random: seededRandom(3), config })
  await run.addClients(count, { backend: 'wasm' })
  await waitForReady(coordinator.federation, count)
  return { coordinator, state: () => coordinator.federation.state }
}

describe('coordinator with headless clients over real sockets', () => {
  it('trains 3 rounds: loss falls and accuracy rises on the pooled held-out data', async () => {
    const { coordinator: c, state } = await federation(4, {
      rounds: 3,
      minClients: 4,
      localEpochs: 3,
      learningRate: 0.02,
    })
    expect(c.federation.control('start').ok).toBe(true)
    await waitFor(() => state().completedRounds === 3, '3 completed rounds')
    const history = c.federation.history
    await waitFor(
      () => history.every((r) => r.evaluation?.reports === 4),
      'every client to evaluate every model',
    )
    const first = c.federation.history[0]!.evaluation!
    const last = c.federation.history[3]!.evaluation!
    expect(c.federation.history.map((r) => r.round)).toEqual([0, 1, 2, 3])
    expect(last.loss).toBeLessThan(first.loss)
    expect(last.accuracy).toBeGreaterThan(first.accuracy)
    expect(last.accuracy).toBeGreaterThan(last.majorityRate)
    expect(state().outcomes.every((o) => o.status === 'completed' && o.participants.length === 4)).toBe(true)
    // Every tab saw the final model and the federation's metrics for it.
    await waitFor(
      () => run.clients.every((cl) => cl.session.snapshot.federation?.round === 3),
      'clients to see round 3 metrics',
    )
    expect(run.clients.every((cl) => cl.session.snapshot.roundsTrained === 3)).toBe(true)
  })

  it('completes a round when one client disconnects in the middle of it', async () => {
    const coordinator = await run.start({
      seed: 11,
      random: seededRandom(3),
      config: { rounds: 2, minClients: 3, localEpochs: 20, batchSize: 8 },
    })
    const c = coordinator
    const state = () => coordinator.federation.state
    // The leaver closes itself from inside its own training, at its first progress short of halfway: a disconnect
    // mid-training whatever the machine's speed (a small model trains in a blink, so waiting for it races).
    let leaver: HeadlessClient | null = null
    let left = false
    const closeMidway = (trainer: TrainerPort): TrainerPort =>
      new Proxy(trainer, {
        get(target, key, receiver) {
          if (key !== 'train') {
            // Methods run on the trainer itself (it keeps private fields).
            const value = Reflect.get(target, key, receiver)
            return typeof value === 'function' ? value.bind(target) : value
          }
          return (request: TrainRequest, onProgress: (p: TrainProgress) => void, signal: AbortSignal) =>
            target.train(
              request,
              (p) => {
                onProgress(p)
                if (!left && p.fraction > 0 && p.fraction < 0.5) {
                  left = true
                  queueMicrotask(() => leaver?.close())
                }
              },
              signal,
            )
        },
      })
    await run.addClient({ backend: 'wasm' })
    leaver = await run.addClient({ backend: 'wasm', wrapTrainer: closeMidway })
    await run.addClients(2, { backend: 'wasm' })
    await waitForReady(coordinator.federation, 4)
    const leaverId = leaver.session.snapshot.clientId!
    c.federation.control('start')
    await waitFor(() => left, 'the leaver early in its training', 60_000)
    await waitFor(() => state().completedRounds === 2, '2 completed rounds')
    const first = state().outcomes[0]!
    expect(first).toMatchObject({ round: 1, status: 'completed', selected: 4 })
    expect(first.participants).toHaveLength(3)
    expect(first.participants).not.toContain(leaverId)
    expect(c.federation.log.entries.some((e) => e.text === `${leaverId} dropped from round 1: left`)).toBe(
      true,
    )
    expect(state().outcomes[1]!.selected).toBe(3)
  })
})
