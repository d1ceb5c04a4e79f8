import { dot, l2Norm } from './vector-math'

/**
 * A participant's contribution score in [0, 1]: the cosine similarity of its (bounded) update with the round's
 * robust aggregate step, floored at 0, in the spirit of FLTrust's direction scores (Cao, Fang, Liu and Gong 2021,
 * "FLTrust: Byzantine-robust Federated Learning via Trust Bootstrapping"). An update pointing against the step earns
 * nothing; one along it earns in proportion to its alignment, not its size, so a large update buys no more than an
 * aligned small one. 0 when either vector is zero (no direction to compare).
 */
export function contributionScore(update: Float32Array, step: Float32Array): number {
  const norms = l2Norm(update) * l2Norm(step)
  if (!(norms > 0) || !Number.isFinite(norms)) return 0
  return Math.min(1, Math.max(0, dot(update, step) / norms))
}
