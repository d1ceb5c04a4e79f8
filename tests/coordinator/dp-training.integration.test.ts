import { describe, expect, it } from 'vitest'
import { computeEpsilon } from '../../shared/privacy/accountant'
import { dpSgdRound } from '../../shared/privacy/dp-sgd'
import { ledgerSteps } from '../../shared/privacy/ledger'
import { seededRandom } from '../../shared/random'
import type { PrivacyConfig } from '../../shared/rounds/config'
import { releasedEpsilon } from '../../shared/rounds/state'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { useTestFederation, waitForReady } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()

const privacy: PrivacyConfig = {
  mode: 'distributed',
  exampleLevel: { enabled: false, clipNorm: 1, noiseMultiplier: 1 },
  clipNorm: 0.5,
  noiseMultiplier: 1.2,
  sampleRate: 0.5,
  delta: 1e-5,
  epsilonBudget: 20,
}

async function startFederation(count: number, rounds: number, dp: PrivacyConfig) {
  const coordinator = await run.start({
    tasks: [diabetesDemoTask('logistic', 31)],
    random: seededRandom(8),
    config: { rounds, minClients: count, localEpochs: 2, learningRate: 0.05, privacy: dp },
  })
  await run.addClients(count, { backend: 'cpu' })
  await waitForReady(coordinator.federation, count)
  return coordinator.federation
}

describe('client-level DP-FedAvg with headless clients', () => {
  it('still learns at epsilon below 9, and reports exactly the accountant epsilon for the rounds run', async () => {
    const federation = await startFederation(16, 8, privacy)
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 8, '8 DP rounds', 120_000)
    await waitFor(() => federation.history[8]?.evaluation?.reports === 16, 'final evaluations')

    const steps = ledgerSteps(federation.state.privacyLedger)
    expect(steps).toBe(federation.state.outcomes.length)
    const expected = computeEpsilon({ sampleRate: 0.5, noiseMultiplier: 1.2, steps, delta: 1e-5 }).epsilon
    expect(releasedEpsilon(federation.state)).toBeCloseTo(expected, 9)
    expect(federation.history[8]!.epsilon).toBeCloseTo(expected, 9)
    expect(federation.snapshot(false).privacy).toMatchObject({ mode: 'distributed', rounds: steps })
    expect(expected).toBeLessThan(9)
    // Epsilon grows round by round.
    const epsilons = federation.history.slice(1).map((r) => r.epsilon!)
    expect(epsilons.every((e, i) => i === 0 || e > epsilons[i - 1]!)).toBe(true)

    const first = federation.history[0]!.evaluation!
    const last = federation.history[8]!.evaluation!
    expect(last.loss).toBeLessThan(first.loss)
    expect(last.accuracy).toBeGreaterThan(last.majorityRate)

    // Poisson sampling: rounds had different numbers of participants.
    expect(new Set(federation.state.outcomes.map((o) => o.selected)).size).toBeGreaterThan(1)
    // Each tab knows its own epsilon against the coordinator: one unsubsampled step per update it sent.
    const tab = run.clients.find((c) => (c.session.snapshot.privacy?.updates ?? 0) > 0)!.session.snapshot
      .privacy!
    expect(tab.mode).toBe('distributed')
    expect(tab.releasedEpsilon).toBeGreaterThan(0)
    expect(tab.ownEpsilon).toBeGreaterThan(tab.releasedEpsilon)
  })

  it('stops before the budget is exceeded, says why, and refuses to start again', async () => {
    const federation = await startFederation(4, 50, {
      ...privacy,
      sampleRate: 1,
      noiseMultiplier: 2,
      epsilonBudget: 3,
    })
    federation.control('start')
    await waitFor(
      () => federation.log.entries.some((e) => e.text.startsWith('privacy budget reached')),
      'the budget stop',
      60_000,
    )
    expect(releasedEpsilon(federation.state)).toBeLessThanOrEqual(3)
    const steps = ledgerSteps(federation.state.privacyLedger)
    expect(
      computeEpsilon({ sampleRate: 1, noiseMultiplier: 2, steps: steps + 1, delta: 1e-5 }).epsilon,
    ).toBeGreaterThan(3)
    expect(federation.state.running).toBe(false)
    const again = federation.control('start')
    expect(again).toMatchObject({ ok: false, error: { code: 'over-budget' } })
    expect(!again.ok && again.error.message).toMatch(
      /^the privacy budget is spent: epsilon \d\.\d{3} so far, the next round would reach/,
    )
  })
})

describe('example-level DP-SGD in headless clients', () => {
  it('trains with DP-SGD; the coordinator and each tab report the accountant epsilon for that tab rows', async () => {
    const dp: PrivacyConfig = {
      ...privacy,
      mode: 'off',
      exampleLevel: { enabled: true, clipNorm: 1, noiseMultiplier: 1.1 },
    }
    const federation = await startFederation(3, 2, dp)
    federation.control('start')
    await waitFor(() => federation.state.completedRounds === 2, '2 DP-SGD rounds', 120_000)
    // A tab counts a round when its update's ack arrives, just after the coordinator counted it.
    await waitFor(
      () => run.clients.every((c) => c.session.snapshot.exampleLevel?.rounds === 2),
      'the tabs to count both rounds',
    )
    // Per-tab figures: the page with the control token.
    const view = federation.snapshot(true)
    for (const client of run.clients) {
      const id = client.session.snapshot.clientId!
      const rows = federation.state.clients.get(id)!.examples
      const { sampleRate, steps } = dpSgdRound(rows, 32, 2)
      const expected = computeEpsilon({
        sampleRate,
        noiseMultiplier: 1.1,
        steps: 2 * steps,
        delta: 1e-5,
      }).epsilon
      expect(view.clients!.find((c) => c.id === id)!.exampleEpsilon).toBeCloseTo(expected, 9)
      expect(client.session.snapshot.exampleLevel!.epsilon).toBeCloseTo(expected, 9)
    }
    // No client-level DP here: the released models carry no client-level epsilon.
    expect(federation.history[2]!.epsilon).toBeNull()
  })
})
