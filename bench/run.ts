/**
 * Round time with 3 and 8 browser tabs, and the global model's accuracy after 5 rounds, measured side by side in
 * one run: the built app, a real coordinator, headless Chromium tabs (backend chosen as a user's tab would).
 * Figures on a shared 2-core machine are orders of magnitude, not targets. Run: npm run bench
 */
import { resolve } from 'node:path'
import { startCoordinator } from '../coordinator/server'
import { launchChromium } from '../tests/helpers/browser'
import { waitFor } from '../tests/helpers/wait'

const ROUNDS = 5

interface Figures {
  tabs: number
  backend: string
  medianRoundMs: number
  maxRoundMs: number
  accuracy: number
  majority: number
  loss: number
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function measure(tabs: number): Promise<Figures> {
  const coordinator = await startCoordinator({
    port: 0,
    staticDir: resolve('dist'),
    config: { rounds: ROUNDS, minClients: tabs, localEpochs: 2, batchSize: 32 },
  })
  const browser = await launchChromium()
  try {
    const context = await browser.newContext()
    for (let i = 0; i < tabs; i++) await (await context.newPage()).goto(coordinator.clientPageUrl)
    const state = () => coordinator.federation.state
    await waitFor(
      () => [...state().clients.values()].filter((c) => c.ready).length === tabs,
      `${tabs} ready tabs`,
      120_000,
    )
    coordinator.federation.control('start')
    await waitFor(() => state().completedRounds === ROUNDS, `${ROUNDS} rounds`, 600_000)
    await waitFor(
      () => coordinator.federation.history[ROUNDS]?.evaluation?.reports === tabs,
      'final evaluations',
      60_000,
    )
    const durations = coordinator.federation.history.slice(1).map((r) => r.durationMs ?? 0)
    const final = coordinator.federation.history[ROUNDS]!.evaluation!
    return {
      tabs,
      backend: [...new Set([...state().clients.values()].map((c) => c.backend))].join(','),
      medianRoundMs: median(durations),
      maxRoundMs: Math.max(...durations),
      accuracy: final.accuracy,
      majority: final.majorityRate,
      loss: final.loss,
    }
  } finally {
    await browser.close()
    await coordinator.close()
  }
}

const results: Figures[] = []
for (const tabs of [3, 8]) results.push(await measure(tabs))
console.log(
  `\nFederated rounds in headless Chromium tabs (${ROUNDS} rounds, 2 local epochs, batch 32, MLP 8-16-8-1)\n`,
)
console.log('tabs  backend  median round  slowest round  accuracy@5  majority class  loss@5')
for (const r of results) {
  console.log(
    `${String(r.tabs).padStart(4)}  ${r.backend.padEnd(7)}  ${`${r.medianRoundMs.toFixed(0)} ms`.padStart(12)}  ${`${r.maxRoundMs.toFixed(0)} ms`.padStart(13)}  ${(r.accuracy * 100).toFixed(1).padStart(9)}%  ${(r.majority * 100).toFixed(1).padStart(13)}%  ${r.loss.toFixed(3)}`,
  )
}
const [three, eight] = results
console.log(
  `\nround time ratio, 8 tabs / 3 tabs: ${(eight!.medianRoundMs / three!.medianRoundMs).toFixed(2)}x`,
)
