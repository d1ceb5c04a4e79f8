import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCoordinator } from '../coordinator/server'
import { marketOf } from '../shared/chain/state'
import type { MarketStatistics } from '../shared/market/statistics'
import { type FederatedSummary, runConfig, runFederated } from './federated-run'
import { listSampleDatasets, must, participant } from './market-run'
import type { RunOptions } from './options'

export interface FullSummary {
  readonly purchase: {
    readonly purchaseId: string
    readonly dataset: string
    readonly price: number
    readonly status: string
    /** Tokens the provider received for it: per-round rewards plus the remainder at the end. */
    readonly paidToProvider: number
    readonly modelVersion: string
  }
  readonly federated: FederatedSummary
  readonly statistics: MarketStatistics
}

/**
 * The market driving training: sample providers list their datasets, a consumer buys training access to the
 * diabetes-risk data, and the provider trains it where it lives, in several clients of its own (its data split
 * non-IID), paid per round; the buyer receives the model.
 */
export async function runFull(options: RunOptions, progress: (line: string) => void): Promise<FullSummary> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'privx-chain-'))
  const coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    faucetAmount: 1000,
    seed: options.seed,
    dataDir,
  })
  try {
    const listed = await listSampleDatasets(
      coordinator.url,
      options.seed,
      Math.max(300, 300 * options.clients),
      options.rounds,
    )
    const medical = listed.find((l) => l.generator === 'medical')!
    const buyer = await participant(coordinator.url, 'Hospital network')
    must('register consumer', await buyer.client.registerConsumer('Hospital network'))
    must('buy training access', await buyer.client.purchase(medical.datasetId, 'training'))
    const purchase = must('wallet', await buyer.client.wallet()).purchases.at(-1)!
    const taskId = `market-${purchase.purchaseId}`
    progress(
      `full: ${buyer.name} bought training on ${medical.table.name} (${purchase.purchaseId}, ${purchase.price} tokens); task ${taskId}`,
    )
    const deadline = Date.now() + 30_000
    while (!coordinator.tasks.get(taskId) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    const entry = coordinator.tasks.get(taskId)
    if (!entry) throw new Error(`the market did not create task ${taskId}`)
    // The provider runs several clients on its data: the round waits for all of them, with the run's DP and HE.
    const { rounds: _rounds, ...settings } = runConfig(options)
    const configured = entry.federation.configure(settings)
    if (!configured.ok) throw new Error(`task ${taskId}: ${configured.error.message}`)
    const before = must('wallet', await medical.provider.client.wallet()).account.balance
    const federated = await runFederated({ ...options, dataDir }, progress, {
      coordinator,
      task: entry.task,
      table: medical.table,
      keys: medical.provider.client.keys,
    })
    const settleBy = Date.now() + 30_000
    while (
      marketOf(coordinator.chain.state).purchases[purchase.purchaseId]?.status !== 'completed' &&
      Date.now() < settleBy
    ) {
      await new Promise((r) => setTimeout(r, 50))
    }
    const after = must('wallet', await medical.provider.client.wallet()).account.balance
    const model = await buyer.client.fetchModel(purchase.purchaseId)
    const statistics = must('statistics', await buyer.client.statistics())
    for (const p of [...listed.map((l) => l.provider), buyer]) p.client.socket.disconnect()
    return {
      purchase: {
        purchaseId: purchase.purchaseId,
        dataset: medical.table.name,
        price: purchase.price,
        status: marketOf(coordinator.chain.state).purchases[purchase.purchaseId]?.status ?? 'unknown',
        paidToProvider: after - before,
        modelVersion: model.ok ? model.value.version : `not available: ${model.error.message}`,
      },
      federated,
      statistics,
    }
  } finally {
    await coordinator.close()
  }
}
