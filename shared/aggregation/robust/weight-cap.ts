import { median } from './vector-math'

/**
 * Caps what a declared example count buys: each weight is at most `multiple` times the median declared weight of
 * the round. Example counts are self-declared, so an uncapped FedAvg (and any reward paid per example) belongs to
 * whoever declares the most; the median is set by the majority, so a minority cannot raise the cap (the same
 * breakdown argument as the coordinate-wise median, Yin et al. 2018). Returns the capped weights, in order.
 */
export function weightCap(weights: readonly number[], multiple: number): number[] {
  if (weights.length === 0) throw new Error('weight cap of no weights')
  if (!(multiple >= 1)) throw new Error(`the weight cap multiple must be at least 1, got ${multiple}`)
  for (const weight of weights)
    if (!(weight > 0) || !Number.isFinite(weight)) throw new Error(`weights must be positive, got ${weight}`)
  const cap = multiple * median(weights)
  return weights.map((weight) => Math.min(weight, cap))
}
