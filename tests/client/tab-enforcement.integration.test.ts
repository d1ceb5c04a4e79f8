import { afterEach, describe, expect, it } from 'vitest'
import type { FederatedSession } from '../../client/session/federated-session'
import {
  countDpSgdRound,
  dpSgdEpsilon,
  EMPTY_PARTICIPANT_LEDGER,
} from '../../shared/privacy/participant-ledger'
import type { TaskInfo } from '../../shared/protocol'
import {
  type FakeCoordinator,
  roundStart,
  startFakeCoordinator,
  startTab,
  stubTrainer,
  TASK,
  taskState,
} from '../helpers/fake-coordinator'
import { waitFor } from '../helpers/wait'

let coordinator: FakeCoordinator | null = null
let tab: FederatedSession | null = null
afterEach(async () => {
  tab?.stop()
  await coordinator?.close()
  tab = null
  coordinator = null
})

const UPLOADS = ['client:update', 'client:encrypted-update', 'client:upload', 'client:progress']
const uploads = (c: FakeCoordinator) => c.received.filter((r) => UPLOADS.includes(r.event))
const noticed = (session: FederatedSession, pattern: RegExp) =>
  session.snapshot.notices.some((n) => pattern.test(n.text))

const dpRound = {
  mode: 'local' as const,
  clipNorm: 1,
  noiseStd: 1,
  denominator: 1,
  noiseMultiplier: 1,
  sampleRate: 1,
  delta: 1e-5,
  epsilonAfterRound: 1,
  epsilonBudget: 10,
}

async function joinedTab(state: ReturnType<typeof taskState>, task?: TaskInfo, policy?: object) {
  coordinator = await startFakeCoordinator(state, task)
  const { trainer, calls } = stubTrainer()
  tab = startTab(coordinator.url, trainer, { policy: policy ?? {} })
  const socket = await coordinator.joined
  await waitFor(() => tab!.snapshot.status === 'idle', 'the tab to join')
  return { socket, calls, tab: tab!, coordinator }
}

describe('a tab holds a hostile coordinator to what it agreed to at join', () => {
  it('refuses a round without encryption on an encrypted task: nothing trained, nothing sent, and it says why', async () => {
    const { socket, calls, tab, coordinator } = await joinedTab(
      taskState({ encryption: { mode: 'bfv', keyId: 'k1' } }),
    )
    socket.emit('round:start', roundStart(1))
    await waitFor(() => tab.snapshot.enforcement?.refused?.round === 1, 'the refusal')
    expect(tab.snapshot.enforcement!.refused!.reasons).toEqual(['encryption off'])
    expect(noticed(tab, /^round 1 refused, nothing sent: encryption off$/)).toBe(true)
    expect(tab.snapshot.enforcement!.floor).toBe('encrypted')
    // Give a (wrong) upload time to arrive: none does, and the trainer never ran.
    await new Promise((r) => setTimeout(r, 300))
    expect(uploads(coordinator)).toEqual([])
    expect(calls.train).toBe(0)
    expect(tab.snapshot.status).toBe('idle')
    // It says it sits the round out, and why (no data), so the round need not wait for its deadline.
    expect(coordinator.received.filter((r) => r.event === 'client:decline').map((r) => r.payload)).toEqual([
      { round: 1, reason: 'encryption off' },
    ])
  })

  it('refuses a round without DP, or with less noise, on a DP task; a weaker task:state waits for the person', async () => {
    const { socket, calls, tab, coordinator } = await joinedTab(
      taskState({ privacy: { mode: 'local', noiseMultiplier: 1, delta: 1e-5 } }),
    )
    socket.emit('round:start', roundStart(1))
    await waitFor(() => tab.snapshot.enforcement?.refused?.round === 1, 'refusal of round 1')
    expect(tab.snapshot.enforcement!.refused!.reasons).toEqual(['differential privacy off (agreed: local)'])
    socket.emit(
      'round:start',
      roundStart(2, { privacy: { ...dpRound, noiseMultiplier: 0.5, noiseStd: 0.5 } }),
    )
    await waitFor(() => tab.snapshot.enforcement?.refused?.round === 2, 'refusal of round 2')
    expect(tab.snapshot.enforcement!.refused!.reasons).toEqual(['noise multiplier 0.5 (agreed: at least 1)'])
    // A round that lies about its own noise (std below multiplier x clip) is refused too.
    socket.emit('round:start', roundStart(3, { privacy: { ...dpRound, noiseStd: 0.1 } }))
    await waitFor(() => tab.snapshot.enforcement?.refused?.round === 3, 'refusal of round 3')
    expect(tab.snapshot.enforcement!.refused!.reasons[0]).toMatch(/^noise std 0.1 is below/)
    expect(uploads(coordinator)).toEqual([])

    // The coordinator announces DP off: still refused, until the person accepts.
    socket.emit('task:state', taskState({}))
    await waitFor(() => (tab.snapshot.enforcement?.pending.length ?? 0) > 0, 'the pending weakening')
    socket.emit('round:start', roundStart(4))
    await waitFor(() => tab.snapshot.enforcement?.refused?.round === 4, 'refusal of round 4')
    expect(tab.acceptWeakerProtection()).toBe(true)
    expect(tab.snapshot.enforcement).toMatchObject({ pending: [], floor: 'in the clear' })
    socket.emit('round:start', roundStart(5))
    await waitFor(() => uploads(coordinator).some((u) => u.event === 'client:update'), 'the update')
    expect(calls.train).toBe(1)
  })

  it('a stronger task:state raises the floor; a DP round at the agreed noise trains and sends', async () => {
    const { socket, tab, coordinator } = await joinedTab(taskState({}))
    socket.emit('task:state', taskState({ privacy: { mode: 'local', noiseMultiplier: 1 } }))
    await waitFor(() => /DP local/.test(tab.snapshot.enforcement?.floor ?? ''), 'the raised floor')
    socket.emit('round:start', roundStart(1))
    await waitFor(() => tab.snapshot.enforcement?.refused?.round === 1, 'refusal of a round without DP')
    socket.emit('round:start', roundStart(2, { privacy: dpRound }))
    await waitFor(() => uploads(coordinator).some((u) => u.event === 'client:update'), 'the DP update')
  })
})

describe("a tab's own privacy budgets", () => {
  it('answers column statistics only within its per-request cap and its per-task total', async () => {
    const csvTask = { ...TASK, dataset: { kind: 'csv' } } as unknown as TaskInfo
    const { socket, calls, tab, coordinator } = await joinedTab(taskState({}), csvTask, {
      statistics: { perRequest: 2, perTask: 5 },
    })
    const answered = () => coordinator.received.filter((r) => r.event === 'client:statistics').length
    socket.emit('statistics:request', { requestId: 'a', epsilon: 1000 })
    await waitFor(() => tab.snapshot.enforcement?.statistics.refused !== null, 'the first refusal')
    expect(tab.snapshot.enforcement!.statistics.refused).toBe(
      "epsilon 1000 is above this tab's limit of 2 a request",
    )
    for (const [id, epsilon] of [
      ['b', 2],
      ['c', 2],
    ] as const) {
      socket.emit('statistics:request', { requestId: id, epsilon })
    }
    await waitFor(() => answered() === 2, 'two answers')
    socket.emit('statistics:request', { requestId: 'd', epsilon: 2 })
    await waitFor(
      () => /spent epsilon 4 of its 5/.test(tab.snapshot.enforcement?.statistics.refused ?? ''),
      'refusal past the total',
    )
    socket.emit('statistics:request', { requestId: 'e', epsilon: 1 })
    await waitFor(() => answered() === 3, 'the answer that still fits')
    expect(tab.snapshot.enforcement!.statistics).toMatchObject({ spent: 5, answered: 3, perTask: 5 })
    expect(calls.statistics).toBe(3)
    expect(noticed(tab, /column statistics refused: epsilon 1000 is above/)).toBe(true)
  })

  it("refuses a DP-SGD round that would take its rows' example-level epsilon past the task's budget", async () => {
    const dpSgd = { clipNorm: 1, noiseMultiplier: 1, delta: 1e-5 }
    const round = { rows: 100, batchSize: 10, epochs: 1, noiseMultiplier: 1 }
    const one = countDpSgdRound(EMPTY_PARTICIPANT_LEDGER, round)
    const epsilonAfter = (n: 1 | 2) => dpSgdEpsilon(n === 1 ? one : countDpSgdRound(one, round), dpSgd.delta)
    const budget = (epsilonAfter(1) + epsilonAfter(2)) / 2
    const { socket, calls, tab, coordinator } = await joinedTab(
      taskState({
        privacy: { exampleLevel: true, epsilonBudget: budget, exampleNoiseMultiplier: 1, delta: 1e-5 },
      }),
    )
    const settings = { epochs: 1, batchSize: 10, learningRate: 0.1, optimizer: 'sgd' as const, dpSgd }
    socket.emit('round:start', roundStart(1, { settings }))
    await waitFor(() => tab.snapshot.exampleLevel?.rounds === 1, 'the first DP-SGD round counted')
    expect(tab.snapshot.exampleLevel!.epsilon).toBeCloseTo(epsilonAfter(1), 10)
    socket.emit('round:start', roundStart(2, { settings }))
    await waitFor(() => tab.snapshot.enforcement?.refused?.round === 2, 'the refusal')
    expect(tab.snapshot.enforcement!.refused!.reasons[0]).toBe(
      `DP-SGD would take this tab's example-level epsilon to ${epsilonAfter(2).toFixed(3)}, past the task's budget of ${budget}`,
    )
    expect(calls.train).toBe(1)
    expect(coordinator.received.filter((r) => r.event === 'client:update')).toHaveLength(1)
  })
})
