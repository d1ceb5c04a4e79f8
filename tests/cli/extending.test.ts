import { describe, expect, it } from 'vitest'
import { startHeadlessClient } from '../../client/headless/headless-client'
import { energyCsv, energySchema, energySpec } from '../../examples/extending/energy-generator'
import { startEnergyCoordinator } from '../../examples/extending/energy-task'
import { fitAndScore } from '../../examples/extending/model-api'
import { DataHandler } from '../../shared/data/data-handler'
import { classificationMetrics } from '../../shared/metrics/classification'
import { waitFor } from '../helpers/wait'

// The README's "Extending Privx" examples, run as they are written.
describe('extending Privx (README examples)', () => {
  it('a new generator makes data its schema reads', () => {
    expect(energySchema.label).toEqual({ name: 'high_use', classes: ['no', 'yes'] })
    expect(DataHandler.fromCsv('energy', energyCsv, energySchema).dropped).toBe(0)
    expect(DataHandler.schemaOf(energySpec)).toEqual(energySchema)
  })

  it('a new task trains with the privacy and encryption settings set from code', async () => {
    const coordinator = await startEnergyCoordinator()
    const parts = DataHandler.split(
      DataHandler.fromCsv('energy', energyCsv, energySchema),
      3,
      Number.POSITIVE_INFINITY,
      1,
    )
    const clients = []
    try {
      for (const part of parts) {
        clients.push(
          await startHeadlessClient(coordinator.url, {
            taskId: 'home-energy',
            backend: 'cpu',
            csv: { text: DataHandler.toCsv(part), fileName: 'part.csv' },
          }),
        )
      }
      const federation = coordinator.tasks.get('home-energy')!.federation
      await waitFor(() => federation.custody.holders === 3, 'the key in all three clients')
      expect(federation.control('start').ok).toBe(true)
      await waitFor(() => federation.state.completedRounds === 2, 'two encrypted DP rounds')
      expect(federation.history[1]!.encryption).not.toBeNull()
      expect(federation.history[2]!.epsilon).toBeGreaterThan(0)
    } finally {
      for (const c of clients) c.close()
      await coordinator.close()
    }
  })

  it('the model API: fit, predict, get and set weights', async () => {
    const coordinator = await startEnergyCoordinator()
    const task = coordinator.tasks.get('home-energy')!.task
    await coordinator.close()
    const { before, after, parameters } = await fitAndScore(task, energyCsv)
    expect(parameters).toBe(task.model.inputs + 1)
    expect(classificationMetrics(after.confusion).accuracy).toBeGreaterThan(
      classificationMetrics(before.confusion).accuracy,
    )
  })
})
