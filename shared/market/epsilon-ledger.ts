import { fail, ok, type Result } from '../result'
import type { CopyKind, EpsilonCharge, Listing, Purchase } from './types'

/**
 * A dataset's epsilon budget when its provider names none: 10. The default summary (1), one copy of each kind (2
 * each, resold to every later buyer at no further cost) and two training runs (2 each) fit in it, with 1 to spare.
 * Deployed releases have used comparable totals (the US Census Bureau's 2020 redistricting data about 17 for
 * persons; Apple's keyboard suggestions 8 a day). The chain takes any budget in (0, 100].
 */
export const DEFAULT_EPSILON_BUDGET = 10
export const MAX_EPSILON_BUDGET = 100

/** Example-level epsilon of one bought training run when the provider names none (see the budget above). */
export const DEFAULT_TRAINING_EPSILON = 2

/**
 * Epsilons are added in whole millionths, so sums are exact integers whatever order charges come in: a charge is
 * rounded up and a budget down (a charge of 0.1 costs 100000, 0.1000004 costs 100001, any charge at least 1), so
 * the ledger never counts less than the mechanisms spent.
 */
const MICRO = 1e6
const chargeMicro = (epsilon: number): number => Math.max(1, Math.ceil(epsilon * MICRO - 1e-6))
const budgetMicro = (epsilon: number): number => Math.floor(epsilon * MICRO + 1e-6)

/** A listing with a budget: every listing since the ledger (older ones, without, are sold as they were). */
export type BudgetedListing = Listing & { readonly epsilonBudget: number }

export const isBudgeted = (listing: Listing): listing is BudgetedListing =>
  listing.epsilonBudget !== undefined

/** Epsilon charged to a listing so far (0 without a budget). */
export function epsilonSpent(listing: Listing): number {
  return spentMicro(listing) / MICRO
}

/** Epsilon a listing has left; Infinity without a budget. */
export function epsilonLeft(listing: Listing): number {
  return isBudgeted(listing)
    ? (budgetMicro(listing.epsilonBudget) - spentMicro(listing)) / MICRO
    : Number.POSITIVE_INFINITY
}

const spentMicro = (listing: Listing): number =>
  (listing.epsilonCharges ?? []).reduce((s, c) => s + chargeMicro(c.epsilon), 0)

/** Shortest decimal of an epsilon for a reason (the ledger's figures are whole millionths). */
export const epsilonText = (epsilon: number): string => String(Math.round(epsilon * MICRO) / MICRO)

/**
 * The listing with `charge` added, or, when the budget cannot pay it, an `over-budget` refusal that names what is
 * left: "dataset ds-1 has epsilon 0.5 of 10 left; a per-row copy at epsilon 2 costs 2". Listings without a budget
 * are returned unchanged.
 */
export function charge(listing: Listing, add: EpsilonCharge, what: string): Result<Listing> {
  if (!isBudgeted(listing)) return ok(listing)
  const left = budgetMicro(listing.epsilonBudget) - spentMicro(listing)
  if (chargeMicro(add.epsilon) > left) {
    return fail(
      'over-budget',
      `dataset ${listing.datasetId} has epsilon ${epsilonText(left / MICRO)} of ${epsilonText(listing.epsilonBudget)} left; ${what} costs ${epsilonText(add.epsilon)}`,
    )
  }
  return ok({ ...listing, epsilonCharges: [...(listing.epsilonCharges ?? []), add] })
}

/** The charge of the copy of `copyKind` at the listing's copy epsilon, if one was charged: that copy is resold. */
export function copyChargeOf(listing: Listing, copyKind: CopyKind): EpsilonCharge | undefined {
  return listing.epsilonCharges?.find(
    (c) => c.what === 'copy' && c.copyKind === copyKind && c.epsilon === listing.copyEpsilon,
  )
}

/**
 * What buying a copy does to a budgeted listing: the first sale of a (kind, epsilon) charges it, and the sale
 * records that it did (`epsilonCharged`); a later one is the same copy again and charges nothing.
 */
export function chargeCopySale(
  listing: Listing,
  copyKind: CopyKind,
  purchaseId: string,
  txId: string,
): Result<{ listing: Listing; charged: number }> {
  if (!isBudgeted(listing) || copyChargeOf(listing, copyKind)) return ok({ listing, charged: 0 })
  const next = charge(
    listing,
    { what: 'copy', epsilon: listing.copyEpsilon, copyKind, purchaseId, txId },
    `a ${copyKind} copy at epsilon ${epsilonText(listing.copyEpsilon)}`,
  )
  return next.ok ? ok({ listing: next.value, charged: listing.copyEpsilon }) : next
}

/** What buying training does to a budgeted listing: every run is a new release and charges its epsilon. */
export function chargeTrainingSale(
  listing: Listing,
  purchaseId: string,
  txId: string,
): Result<{ listing: Listing; charged: number }> {
  if (!isBudgeted(listing) || listing.trainingEpsilon === undefined) return ok({ listing, charged: 0 })
  const epsilon = listing.trainingEpsilon
  const next = charge(
    listing,
    { what: 'training', epsilon, purchaseId, txId },
    `a training run at epsilon ${epsilonText(epsilon)}`,
  )
  return next.ok ? ok({ listing: next.value, charged: epsilon }) : next
}

/**
 * A cancelled sale gives back what nothing was released for: a training run that never started, or a copy never
 * delivered that no other pending sale waits for. A copy delivered once stays charged (its bytes are out).
 */
export function releaseCancelled(
  listing: Listing,
  cancelled: Purchase,
  purchases: readonly Purchase[],
): Listing {
  const charges = listing.epsilonCharges
  if (!charges) return listing
  let drop: EpsilonCharge | undefined
  if (cancelled.kind === 'training') {
    drop = charges.find((c) => c.what === 'training' && c.purchaseId === cancelled.purchaseId)
  } else {
    const held = charges.find((c) => sameCopy(c, cancelled) && c.copyHash === undefined)
    const waiting = purchases.some(
      (p) =>
        p.purchaseId !== cancelled.purchaseId &&
        p.datasetId === cancelled.datasetId &&
        p.status === 'pending' &&
        held !== undefined &&
        sameCopy(held, p),
    )
    drop = waiting ? undefined : held
  }
  return drop ? { ...listing, epsilonCharges: charges.filter((c) => c !== drop) } : listing
}

/** Whether a charge is that of the copy a sale bought (its kind at its epsilon). */
const sameCopy = (c: EpsilonCharge, p: Purchase): boolean =>
  p.kind === 'copy' &&
  c.what === 'copy' &&
  c.copyKind === (p.copyKind ?? 'per-row') &&
  c.epsilon === p.copyEpsilon

/**
 * A delivery of a copy sale on a budgeted listing names the SHA-256 of the copy's CSV. The first delivery of a
 * (kind, epsilon) fixes it; every later one must deliver the same bytes (`invalid-state` otherwise: a new copy
 * would be a new release). Listings without a budget, and sales from before it, are returned unchanged.
 */
export function recordCopyDelivery(
  listing: Listing,
  sale: Purchase,
  copyHash: string | undefined,
): Result<Listing> {
  if (!isBudgeted(listing) || sale.copyEpsilon === undefined) return ok(listing)
  if (!copyHash) {
    return fail(
      'bad-payload',
      `copyHash: ${listing.datasetId} has an epsilon budget; a delivery names the SHA-256 of the copy's CSV`,
    )
  }
  const charges = listing.epsilonCharges ?? []
  const held = charges.find((c) => sameCopy(c, sale))
  if (!held) {
    // Only reachable if the charge was given back while this sale waited: charge it again, or refuse.
    const kind = sale.copyKind ?? 'per-row'
    const charged = charge(
      listing,
      {
        what: 'copy',
        epsilon: sale.copyEpsilon,
        copyKind: kind,
        purchaseId: sale.purchaseId,
        txId: sale.txId,
        copyHash,
      },
      `a ${kind} copy at epsilon ${epsilonText(sale.copyEpsilon)}`,
    )
    return charged
  }
  if (held.copyHash !== undefined && held.copyHash !== copyHash) {
    return fail(
      'invalid-state',
      `${listing.datasetId}'s ${held.copyKind} copy at epsilon ${epsilonText(held.epsilon)} was delivered as ${held.copyHash.slice(0, 12)}…; deliver that copy again (a new one would spend epsilon again), not ${copyHash.slice(0, 12)}…`,
    )
  }
  if (held.copyHash === copyHash) return ok(listing)
  return ok({ ...listing, epsilonCharges: charges.map((c) => (c === held ? { ...c, copyHash } : c)) })
}

/**
 * A new listing's ledger: with a budget, its DP summary is the first charge, and every kind it offers must fit in
 * what is left at least once (a listing whose copy or training could never be sold is refused). Without a budget
 * (listings from before the ledger) it is returned unchanged.
 */
export function openLedger(listing: Listing): Result<Listing> {
  if (!isBudgeted(listing)) return ok(listing)
  const opened = charge(
    { ...listing, epsilonCharges: [] },
    { what: 'statistics', epsilon: listing.summary.epsilon, txId: listing.txId },
    `its DP summary at epsilon ${epsilonText(listing.summary.epsilon)}`,
  )
  if (!opened.ok) return opened
  // A trial charge on the opened ledger: only whether it fits is kept.
  const fits = (kind: EpsilonCharge['what'], epsilon: number, what: string): Result<Listing> =>
    charge(opened.value, { what: kind, epsilon, txId: listing.txId }, what)
  if (listing.copyPrice !== null) {
    const copy = fits('copy', listing.copyEpsilon, `a copy at epsilon ${epsilonText(listing.copyEpsilon)}`)
    if (!copy.ok) return copy
  }
  if (listing.trainingPrice !== null && listing.trainingEpsilon !== undefined) {
    const run = fits(
      'training',
      listing.trainingEpsilon,
      `a training run at epsilon ${epsilonText(listing.trainingEpsilon)}`,
    )
    if (!run.ok) return run
  }
  return opened
}
