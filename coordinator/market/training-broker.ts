import { type ChainState, marketOf } from '../../shared/chain/state'
import type { SignedTransaction } from '../../shared/chain/transaction'
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
    federation.configure({
      rounds,
      minClients: 1,
      rewardPerExample: purchase.price / (rounds * Math.max(1, listing.rows)),
    })
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
