import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../shared/random'
import { useTestFederation, waitForReady } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()

describe('runs: a reset starts a new run, numbered from round 1, kept apart from the last', () => {
  it('numbers rounds within the run on the page and the chain, and keeps the earlier run browsable', async () => {
    const coordinator = await run.start({
      random: seededRandom(3),
      config: { rounds: 2, minClients: 2, localEpochs: 1 },
    })
    const federation = coordinator.federation
    await run.addClients(2, { backend: 'cpu' })
    await waitForReady(federation, 2)
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 2, 'the first run', 60_000)

    expect(federation.control('reset').ok).toBe(true)
    expect(federation.configure({ rounds: 1 }).ok).toBe(true)
    expect(federation.control('start').ok).toBe(true)
    await waitFor(() => federation.state.completedRounds === 1, 'the second run', 60_000)

    // The page: run 2, its own rounds from 0, the first run's three models kept apart.
    const view = federation.snapshot(true)
    expect(view.run).toBe(2)
    expect(view.task.run).toBe(2)
    expect(view.history.map((r) => r.round)).toEqual([0, 1])
    expect(view.model.round).toBe(1)
    expect(view.earlierRuns.map((r) => ({ run: r.run, rounds: r.history.map((h) => h.round) }))).toEqual([
      { run: 1, rounds: [0, 1, 2] },
    ])
    // Without the token the earlier run is there too, as aggregates.
    const publicView = federation.snapshot(false)
    expect(publicView.earlierRuns[0]!.history.every((r) => r.verdicts === undefined)).toBe(true)
    // The round in progress, the events and the chain agree with it.
    expect(federation.state.nextRound).toBe(2)
    expect(federation.log.entries.some((e) => /^round 1 aggregated/.test(e.text))).toBe(true)
    const records = coordinator.chain.state.rounds.filter((r) => r.taskId === 'demo-diabetes')
    expect(records.map((r) => [r.run, r.modelRound, r.round])).toEqual([
      [1, 1, 1],
      [1, 2, 2],
      [2, 1, 3],
    ])
  }, 120_000)
})
