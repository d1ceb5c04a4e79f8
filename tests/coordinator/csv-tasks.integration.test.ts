import { describe, expect, it } from 'vitest'
import { startHeadlessClient } from '../../client/headless/headless-client'
import { clinicCsv, clinicSchema, fitnessCsv, fitnessSchema } from '../../examples/example-data'
import { seededRandom } from '../../shared/random'
import { csvTask, csvTaskRequestSchema } from '../../shared/tasks/csv-task'
import { useTestFederation, waitForReady } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()

const clinic = csvTask(
  'clinic',
  csvTaskRequestSchema.parse({ name: 'Clinic study', schema: clinicSchema, model: { kind: 'mlp' } }),
)
const fitness = csvTask(
  'fitness',
  csvTaskRequestSchema.parse({
    name: 'Fitness level',
    schema: fitnessSchema,
    model: { kind: 'mlp', hidden: [16] },
  }),
)

async function train(taskId: string, files: string[], rounds: number) {
  const coordinator = await run.start({
    tasks: [clinic, fitness],
    random: seededRandom(5),
    config: { rounds, minClients: files.length, localEpochs: 6, learningRate: 0.03 },
  })
  for (const [i, text] of files.entries())
    await run.addClient({ backend: 'cpu', taskId, csv: { text, fileName: `site-${i}.csv` } })
  const entry = coordinator.tasks.get(taskId)!
  await waitForReady(entry.federation, files.length)
  entry.federation.control('start')
  await waitFor(() => entry.federation.state.completedRounds === rounds, `${rounds} rounds`, 120_000)
  await waitFor(
    () => entry.federation.history[rounds]?.evaluation?.reports === files.length,
    'final evaluations',
  )
  return entry
}

describe('CSV tasks with clients reading their own files', () => {
  it('trains a binary task on three non-IID clinic files and beats the majority class', async () => {
    const files = [
      clinicCsv({ seed: 1, rows: 400, positiveShare: 0.15 }),
      clinicCsv({ seed: 2, rows: 300, positiveShare: 0.5 }),
      clinicCsv({ seed: 3, rows: 350, positiveShare: 0.3 }),
    ]
    const entry = await train('clinic', files, 5)
    expect(run.clients.map((c) => c.csvReport!.rows.valid)).toEqual([400, 300, 350])
    const final = entry.federation.history[5]!.evaluation!
    expect(final.accuracy).toBeGreaterThan(final.majorityRate)
    expect(final.loss).toBeLessThan(entry.federation.history[0]!.evaluation!.loss)
    // The other task is untouched: its own federation, no clients.
    expect(run.coordinator.tasks.get('fitness')!.federation.state.clients.size).toBe(0)
  })

  it('trains a three-class task (softmax) and beats the majority class', async () => {
    const files = [
      fitnessCsv({ seed: 1, rows: 300, shares: [0.6, 0.3, 0.1] }),
      fitnessCsv({ seed: 2, rows: 300, shares: [0.1, 0.3, 0.6] }),
      fitnessCsv({ seed: 3, rows: 300, shares: [0.3, 0.4, 0.3] }),
    ]
    const entry = await train('fitness', files, 3)
    const final = entry.federation.history[3]!.evaluation!
    expect(entry.task.model).toMatchObject({ classes: 3, inputs: 4 })
    expect(final.accuracy).toBeGreaterThan(final.majorityRate + 0.1)
  })

  it('refuses to start a client whose CSV is unusable, with the reason', async () => {
    const coordinator = await run.start({ tasks: [clinic] })
    const attempt = startHeadlessClient(coordinator.url, {
      backend: 'cpu',
      taskId: 'clinic',
      csv: { text: 'a,b\n1,2\n', fileName: 'wrong.csv' },
    })
    await expect(attempt).rejects.toThrow('wrong.csv: the file lacks columns "age", "bmi"')
  })
})

describe('federated column statistics with local DP', () => {
  it('pools noised counts and sums from every tab into means and deviations close to the truth', async () => {
    const files = [
      clinicCsv({ seed: 1, rows: 400, positiveShare: 0.15 }),
      clinicCsv({ seed: 2, rows: 300, positiveShare: 0.5 }),
      clinicCsv({ seed: 3, rows: 350, positiveShare: 0.3 }),
    ]
    const coordinator = await run.start({ tasks: [clinic, fitness] })
    for (const [i, text] of files.entries())
      await run.addClient({
        backend: 'cpu',
        taskId: 'clinic',
        csv: { text, fileName: `site-${i}.csv` },
        // Past a tab's default limits (2 a request, 5 a task), set higher here to check the pooled figures closely.
        policy: { statistics: { perRequest: 200, perTask: 200 } },
      })
    const federation = coordinator.tasks.get('clinic')!.federation
    await waitForReady(federation, 3)
    const requested = federation.requestStatistics(200)
    expect(requested.ok).toBe(true)
    await waitFor(() => federation.snapshot(false).statistics?.reports === 3, 'three statistics reports')
    const pooled = federation.snapshot(false).statistics!
    const ages = files.flatMap((f) =>
      f
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => Number(line.split(',')[0])),
    )
    const mean = ages.reduce((s, v) => s + v, 0) / ages.length
    const std = Math.sqrt(ages.reduce((s, v) => s + (v - mean) ** 2, 0) / ages.length)
    const age = pooled.columns.find((c) => c.name === 'age')!
    expect(pooled.columns.map((c) => c.name)).toEqual([
      'age',
      'bmi',
      'glucose',
      'blood_pressure',
      'hba1c',
      'activity_hours',
    ])
    expect(Math.abs(age.count - 1050)).toBeLessThan(5)
    expect(Math.abs(age.mean - mean)).toBeLessThan(1)
    expect(Math.abs(age.std - std)).toBeLessThan(1)
    // Each tab says what it spent; a second report for the same request is refused.
    await waitFor(
      () =>
        run.clients.every((c) =>
          c.session.snapshot.notices.some((n) => /local DP, epsilon 200/.test(n.text)),
        ),
      'each tab to note what it spent',
    )
    const again = federation.statistics(run.clients[0]!.session.snapshot.clientId!, {
      requestId: requested.ok ? requested.value : '',
      columns: [],
    })
    expect(again).toMatchObject({ ok: false, error: { code: 'duplicate-update' } })
    expect(coordinator.tasks.get('fitness')!.federation.requestStatistics(1)).toMatchObject({
      ok: false,
      error: { code: 'invalid-state' },
    })
  })
})
