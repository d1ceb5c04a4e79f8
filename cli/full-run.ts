import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Federation } from '../coordinator/federation'
import { startCoordinator } from '../coordinator/server'
import { marketOf } from '../shared/chain/state'
import type { MarketStatistics } from '../shared/market/statistics'
import { rowsLowerBound, runNoiseMultiplier } from '../shared/market/training-privacy'
import type { Listing } from '../shared/market/types'
import { type FederatedSummary, runConfig, runFederated, runSplit } from './federated-run'
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
 * non-IID), paid per round; the buyer receives the model. Trains with `FULL_DEFAULTS` unless the options say
 * otherwise (parseOptions applies them for the full mode). The chain's temporary directory is removed at the end
 * unless --data-dir keeps it.
 */
export async function runFull(
  options: RunOptions,
  progress: (line: string) => void,
  extras: Parameters<typeof runFederated>[3] = {},
): Promise<FullSummary> {
  const temporary = options.dataDir ? null : mkdtempSync(join(tmpdir(), 'privx-chain-'))
  const dataDir = options.dataDir ?? temporary!
  const coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    faucetAmount: 1000,
    seed: options.seed,
    dataDir,
  })
  try {
    // 1000 rows per client: under the listing's DP-SGD, fewer rows per client leave the noise louder than the signal.
    const listed = await listSampleDatasets(
      coordinator.url,
      options.seed,
      Math.max(1000, 1000 * options.clients),
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
    const listing = marketOf(coordinator.chain.state).datasets[medical.datasetId]
    const smallest = Math.min(...runSplit(medical.table, options).parts.map((p) => p.rows.length))
    // Each client holds out a fifth of its rows (per class) and accounts its epsilon on the rest.
    const recalibrated = recalibratePrivacy(
      entry.federation,
      listing,
      Math.floor(smallest * 0.8) - medical.table.schema.label.classes.length,
    )
    if (recalibrated) progress(recalibrated)
    const before = must('wallet', await medical.provider.client.wallet()).account.balance
    const federated = await runFederated(
      options,
      progress,
      {
        coordinator,
        task: entry.task,
        table: medical.table,
        keys: medical.provider.client.keys,
        dataDir,
      },
      extras,
    )
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
    if (temporary) rmSync(temporary, { recursive: true, force: true })
  }
}

/**
 * A listing that sells training at an epsilon makes the bought run example-level DP-SGD, its noise calibrated by the
 * market to the task's settings when it was bought, on the listing's rows in one tab. The provider here trains in
 * several clients, each accounting its epsilon on its own rows, and with its own settings (more local epochs): the
 * noise is calibrated again, the same way, for the smallest client's `rows`, so no client's round goes past the
 * epsilon the purchase charged (a tab refuses such a round). Returns what was set, or null when the run is not private.
 */
function recalibratePrivacy(
  federation: Federation,
  listing: Listing | undefined,
  rows: number,
): string | null {
  const config = federation.state.config
  if (listing?.trainingEpsilon === undefined || !config.privacy.exampleLevel.enabled) return null
  const run = {
    rounds: config.rounds,
    epochs: config.localEpochs,
    batchSize: config.batchSize,
    delta: config.privacy.delta,
  }
  const noiseMultiplier = runNoiseMultiplier(
    run,
    Math.min(rows, rowsLowerBound(listing.summary)),
    listing.trainingEpsilon,
  )
  const set = federation.configure({
    privacy: { ...config.privacy, exampleLevel: { ...config.privacy.exampleLevel, noiseMultiplier } },
  })
  if (!set.ok) throw new Error(`privacy of the bought run: ${set.error.message}`)
  return `privacy: the listing sells training at epsilon ${listing.trainingEpsilon}: example-level DP-SGD in each client, noise multiplier ${noiseMultiplier.toFixed(2)} for ${run.rounds} rounds of ${run.epochs} local epochs, batch ${run.batchSize}, on ${rows} rows (the smallest client's)`
}
