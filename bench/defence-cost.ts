/**
 * What the default defence costs an honest round's aggregation, side by side in one run: the coordinator's close of
 * a plaintext round with n honest updates under plain FedAvg (`FedAvgRoundAggregator`: one running sum) and under
 * the default robustness settings (`RobustRoundAggregator`: weight cap, adaptive norm bound at 3x the median norm,
 * Multi-Krum with f = 1, contribution scores against the coordinate-wise median). Updates are honest-looking:
 * a shared direction plus per-client noise. Figures: median of 7 rounds of adding every update and closing, in ms,
 * and the ratio.
 *
 * Run: npx tsx bench/defence-cost.ts
 */
import { FedAvgRoundAggregator } from '../shared/aggregation/fedavg-round'
import { RobustRoundAggregator } from '../shared/aggregation/robust/robust-round'
import type { RoundAggregator } from '../shared/aggregation/round-aggregator'
import { seededRandom, standardNormal } from '../shared/random'
import { defaultRobustnessConfig } from '../shared/rounds/config'

const REPEATS = 7

function honestUpdates(clients: number, length: number): Float32Array[] {
  const random = seededRandom(length + clients)
  const direction = Float32Array.from({ length }, () => standardNormal(random) * 0.01)
  return Array.from({ length: clients }, () =>
    Float32Array.from(direction, (d) => d + standardNormal(random) * 0.005),
  )
}

function aggregateMs(
  make: () => RoundAggregator<Float32Array, Float32Array>,
  updates: Float32Array[],
): number {
  const times: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now()
    const aggregator = make()
    for (const [i, payload] of updates.entries()) {
      const added = aggregator.add({ id: `tab-${i}`, weight: 100 + i, payload })
      if (!added.ok) throw new Error(added.error.message)
    }
    const closed = aggregator.close()
    times.push(performance.now() - started)
    if (!closed.ok) throw new Error(closed.error.message)
  }
  return times.sort((a, b) => a - b)[REPEATS >> 1]!
}

console.log('| clients | parameters | FedAvg | default (Multi-Krum + bounds + scores) | ratio |')
console.log('| --- | --- | --- | --- | --- |')
for (const length of [10_857, 1_000_000]) {
  for (const clients of [5, 10]) {
    const updates = honestUpdates(clients, length)
    const plain = aggregateMs(() => new FedAvgRoundAggregator(length, null), updates)
    const robust = aggregateMs(
      () => new RobustRoundAggregator(length, defaultRobustnessConfig, null),
      updates,
    )
    console.log(
      `| ${clients} | ${length.toLocaleString('en')} | ${plain.toFixed(2)} ms | ${robust.toFixed(2)} ms | ${(robust / plain).toFixed(1)}x |`,
    )
  }
}
