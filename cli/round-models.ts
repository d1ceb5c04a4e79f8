import { ModelStore } from '../coordinator/chain/model-store'
import type { Coordinator } from '../coordinator/server'

/** How many rounds of `taskId` the coordinator's chain has recorded so far. */
export function recordedRounds(coordinator: Coordinator, taskId: string): number {
  return coordinator.chain.state.rounds.filter((r) => r.taskId === taskId).length
}

/**
 * The global model after each round of `taskId` recorded after the first `skip` (those of this run), read back from
 * the coordinator's model store in `dataDir` by the digest its chain records: exact whatever the timing, where
 * sampling the live model could miss a round when two close between looks. Waits up to `timeoutMs` for `rounds`
 * records. An entry is null where the round kept no model in the clear (encrypted rounds) or the store lacks it.
 */
export async function recordedModels(
  coordinator: Coordinator,
  dataDir: string,
  taskId: string,
  skip: number,
  rounds: number,
  timeoutMs = 10_000,
): Promise<(Float32Array | null)[]> {
  const deadline = Date.now() + timeoutMs
  while (recordedRounds(coordinator, taskId) < skip + rounds && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50))
  const store = new ModelStore(dataDir)
  const records = coordinator.chain.state.rounds.filter((r) => r.taskId === taskId).slice(skip, skip + rounds)
  return records.map((r) => store.loadModel(r.modelAfter))
}
