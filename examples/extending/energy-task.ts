// A new task on that data: a coordinator serving it, with DP and encryption switched on from code.
import { startCoordinator } from '../../coordinator/server'
import { csvTask, csvTaskRequestSchema } from '../../shared/tasks/csv-task'
import { energySchema } from './energy-generator'

export async function startEnergyCoordinator() {
  const request = csvTaskRequestSchema.parse({
    name: 'Home energy',
    description: 'Predict high consumption; each household keeps its rows',
    schema: energySchema,
    model: { kind: 'logistic' }, // or { kind: 'mlp', hidden: [16, 8] }
  })
  const task = csvTask('home-energy', request)
  const coordinator = await startCoordinator({ port: 0, staticDir: null, tasks: [task] })
  // The same settings the coordinator page's panels change; they apply from the next round.
  const federation = coordinator.tasks.get('home-energy')!.federation
  const configured = federation.configure({
    rounds: 5,
    minClients: 3,
    privacy: {
      mode: 'distributed', // each client adds its share of the noise; the encrypted sum carries all of it
      exampleLevel: { enabled: false, clipNorm: 1, noiseMultiplier: 1 },
      clipNorm: 1,
      noiseMultiplier: 1.1,
      sampleRate: 1,
      delta: 1e-5,
      epsilonBudget: 20,
    },
    encryption: { mode: 'bfv', clamp: 4 },
  })
  if (!configured.ok) throw new Error(configured.error.message)
  return coordinator
}
