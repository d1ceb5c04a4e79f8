import type { Purchase } from './types'

/** One sale as its provider sees it: what the buyer is waiting for (null when nothing), and whether it is new. */
export interface SaleLine<S extends Purchase = Purchase> {
  readonly sale: S
  /** What the buyer waits for, from the provider's side; null once settled or cancelled. */
  readonly waitingFor: string | null
  /** Not yet seen on the provider's sales list. */
  readonly fresh: boolean
}

export interface SalesDigest<S extends Purchase = Purchase> {
  /** Newest first. */
  readonly lines: readonly SaleLine<S>[]
  /** Copies bought and not yet delivered: each needs the provider's page to make and send it. */
  readonly pendingDeliveries: number
  /** Training purchases not finished: each needs the provider's tab to train. */
  readonly trainingsToRun: number
  /** Sales not yet seen. */
  readonly fresh: number
}

/** What a sale waits for, said to its provider. */
export function saleWaitingFor(sale: Purchase): string | null {
  switch (sale.status) {
    case 'pending':
      return sale.kind !== 'training'
        ? `the buyer waits for your tab to make and deliver the copy (${sale.escrow} tokens held in escrow until then)`
        : 'the buyer waits for the coordinator to open the training task, then for you to train it in a tab'
    case 'training':
      return 'the buyer waits for you to train it: open "Train it in a tab" and load the same CSV'
    case 'delivered':
    case 'completed':
    case 'cancelled':
      return null
    default: {
      const _exhaustive: never = sale.status
      throw new Error(`unknown purchase status ${String(_exhaustive)}`)
    }
  }
}

/**
 * The provider's sales, newest first, with what each waits for and the counts a badge shows. Every kind but
 * training is a copy the provider's page delivers. Pure.
 */
export function salesDigest<S extends Purchase>(
  sales: readonly S[],
  seen: ReadonlySet<string>,
): SalesDigest<S> {
  const lines = [...sales]
    .sort((a, b) => b.createdAt - a.createdAt || b.purchaseId.localeCompare(a.purchaseId))
    .map((sale) => ({ sale, waitingFor: saleWaitingFor(sale), fresh: !seen.has(sale.purchaseId) }))
  return {
    lines,
    pendingDeliveries: sales.filter((s) => s.kind !== 'training' && s.status === 'pending').length,
    trainingsToRun: sales.filter(
      (s) => s.kind === 'training' && (s.status === 'pending' || s.status === 'training'),
    ).length,
    fresh: lines.filter((l) => l.fresh).length,
  }
}

/** "1 pending delivery", "2 pending deliveries": English counts for badges. */
export function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}
