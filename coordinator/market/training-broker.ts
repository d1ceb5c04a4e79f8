import { type ChainState, marketOf } from '../../shared/chain/state'
import type { SignedTransaction } from '../../shared/chain/transaction'
import { rowsLowerBound, runNoiseMultiplier } from '../../shared/market/training-privacy'
import type { Listing } from '../../shared/market/types'
import { fail, ok, type Result } from '../../shared/result'
import type { TrainingConfig } from '../../shared/rounds/config'
import { csvTask, csvTaskRequestSchema } from '../../shared/tasks/csv-task'
import type { ChainService } from '../chain/chain-service'
import type { EventLog } from '../event-log'
import type { TaskRegistry } from '../task-registry'

/** The task id a training purchase gets. */
export const marketTaskId = (purchaseId: string): string => `market-${purchaseId}`

/** The provider a bought training task is reserved to, from the chain; null for any other task. */
export function marketTaskProvider(state: ChainState, taskId: string): string | null {
  const purchase = Object.values(marketOf(state).purchases).find((p) => p.taskId === taskId)
  return purchase?.provider ?? null
}

/**
 * Compute-to-data: when a training purchase lands on the chain, creates the buyer's training task on the dataset's
 * schema, open only to the provider's account (its tab joins with the rows it holds), funds it from the purchase's
 * escrow (`market.start-training`) and starts it; rounds then pay the provider's tab per example through the
 * training contract. When the task finishes, `market.finish-training` pays what is left to the provider.
 * Works from what the listing publishes: the price is spread over the DP row count, and on a listing with an
 * epsilon budget the run is example-level DP-SGD calibrated to the epsilon the purchase charged.
 */
export class MarketTrainingBroker {
  constructor(
    private readonly chain: ChainService,
    private readonly tasks: TaskRegistry,
    private readonly log: EventLog,
  ) {}

  attach(): void {
    this.chain.onApplied((tx) => this.#applied(tx))
  }

  #applied(tx: SignedTransaction): void {
    if (tx.body.type !== 'market.purchase') return
    const market = marketOf(this.chain.state)
    const purchase = Object.values(market.purchases).find((p) => p.txId === tx.id)
    if (purchase?.kind !== 'training' || purchase.status !== 'pending') return
    const listing = market.datasets[purchase.datasetId]!
    const buyer = market.consumers[purchase.buyer]?.name ?? purchase.buyer
    const request = csvTaskRequestSchema.safeParse({
      name: `${listing.name} for ${buyer}`.slice(0, 100),
      description: `Training access bought in ${purchase.purchaseId}: trains on ${listing.datasetId} in its provider's tab only.`,
      schema: listing.schema,
      model: { kind: 'logistic' },
    })
    if (!request.success) {
      this.log.add('error', `market: ${purchase.purchaseId} cannot become a task: ${request.error.message}`)
      return
    }
    const taskId = marketTaskId(purchase.purchaseId)
    const added = this.tasks.add(csvTask(taskId, request.data), { participants: new Set([listing.provider]) })
    if (!added.ok) {
      this.log.add('error', `market: task for ${purchase.purchaseId}: ${added.error.message}`)
      return
    }
    const rounds = listing.trainingRounds
    const federation = added.value.federation
    const configured = federation.configure({
      rounds,
      minClients: 1,
      rewardPerExample: purchase.price / (rounds * Math.max(1, listing.summary.rows)),
    })
    const dp = configured.ok ? privateRun(listing, configured.value) : configured
    const privacy = dp.ok ? federation.configure({ privacy: dp.value }) : dp
    if (!privacy.ok) {
      this.log.add('error', `market: ${purchase.purchaseId} cannot train privately: ${privacy.error.message}`)
      return
    }
    const started = this.chain.submitOwn('market.start-training', { purchaseId: purchase.purchaseId, taskId })
    if (!started.ok) {
      this.log.add('error', `market: ${purchase.purchaseId} could not start: ${started.error.message}`)
      return
    }
    federation.control('start')
    this.log.add(
      'info',
      `market: ${purchase.purchaseId} bought training on ${listing.datasetId}; task ${taskId} waits for the provider's tab (${rounds} rounds, escrow ${purchase.price})`,
    )
  }

  /** A task finished its rounds: settle its purchase, if it is one. */
  finished(taskId: string): void {
    const purchase = Object.values(marketOf(this.chain.state).purchases).find(
      (p) => p.taskId === taskId && p.status === 'training',
    )
    if (!purchase) return
    const settled = this.chain.submitOwn('market.finish-training', { purchaseId: purchase.purchaseId })
    if (settled.ok)
      this.log.add(
        'info',
        `market: ${purchase.purchaseId} trained; the rest of its escrow went to the provider`,
      )
    else
      this.log.add('error', `market: ${purchase.purchaseId} could not be settled: ${settled.error.message}`)
  }
}

/**
 * The privacy settings of a bought run: on a listing with a training epsilon, example-level DP-SGD (clip norm 1)
 * whose noise keeps the run's rounds within that epsilon on a lower bound of the rows, with that epsilon as the
 * task's budget (the provider's tab enforces it); otherwise (listings from
 * before the budget) the task's settings unchanged.
 */
function privateRun(listing: Listing, config: TrainingConfig): Result<TrainingConfig['privacy']> {
  const epsilon = listing.trainingEpsilon
  if (epsilon === undefined) return ok(config.privacy)
  try {
    const run = {
      rounds: config.rounds,
      epochs: config.localEpochs,
      batchSize: config.batchSize,
      delta: config.privacy.delta,
    }
    const noiseMultiplier = runNoiseMultiplier(run, rowsLowerBound(listing.summary), epsilon)
    // The run's budget is the listing's training epsilon: the provider's tab refuses a DP-SGD round past it.
    return ok({
      ...config.privacy,
      epsilonBudget: epsilon,
      exampleLevel: { enabled: true, clipNorm: 1, noiseMultiplier },
    })
  } catch (error) {
    return fail('invalid-config', error instanceof Error ? error.message : String(error))
  }
}
