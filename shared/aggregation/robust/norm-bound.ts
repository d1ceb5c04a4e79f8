import { l2Norm, median, scaled } from './vector-math'

/**
 * Norm bounding (Sun, Kairouz, Suresh and McMahan 2019, "Can You Really Backdoor Federated Learning?", section 4):
 * an update whose L2 norm exceeds a bound is scaled down to it, which caps what one participant can move the model
 * by whatever rule aggregates next. The bound is fixed, or adaptive: `multiple` times the median norm of the round's
 * updates, so that it follows the honest scale of the task without a setting per model (a minority cannot move the
 * median past the honest norms). `off` bounds nothing.
 */
export type NormBoundRule =
  | { readonly kind: 'off' }
  | { readonly kind: 'adaptive'; readonly multiple: number }
  | { readonly kind: 'fixed'; readonly value: number }

/** What to do with an update over the bound: scale it down to the bound, or leave it out of the round. */
export type OverBound = 'clip' | 'reject'

/** One update after bounding: unchanged, scaled from its norm down to the bound, or left out. */
export type BoundedUpdate =
  | { readonly kind: 'within'; readonly values: Float32Array; readonly norm: number }
  | { readonly kind: 'clipped'; readonly values: Float32Array; readonly from: number; readonly to: number }
  | { readonly kind: 'rejected'; readonly norm: number; readonly bound: number }

/** The bound `rule` sets for a round whose updates have these L2 norms (Infinity when off). */
export function boundFor(norms: readonly number[], rule: NormBoundRule): number {
  switch (rule.kind) {
    case 'off':
      return Number.POSITIVE_INFINITY
    case 'fixed':
      if (!(rule.value > 0)) throw new Error(`a fixed norm bound must be positive, got ${rule.value}`)
      return rule.value
    case 'adaptive':
      if (!(rule.multiple >= 1))
        throw new Error(`the adaptive bound's multiple must be at least 1, got ${rule.multiple}`)
      return rule.multiple * median(norms)
    default: {
      const _exhaustive: never = rule
      return _exhaustive
    }
  }
}

/** What bounding does to one update, from its norm: nothing, scale it by `factor` to the bound, or leave it out. */
export type BoundDecision =
  | { readonly kind: 'within'; readonly norm: number }
  | { readonly kind: 'clipped'; readonly factor: number; readonly from: number; readonly to: number }
  | { readonly kind: 'rejected'; readonly norm: number; readonly bound: number }

/** The round's bound, and what it does to each update, from the updates' L2 norms (in order). */
export function boundDecisions(
  norms: readonly number[],
  rule: NormBoundRule,
  overBound: OverBound,
): { readonly bound: number; readonly decisions: BoundDecision[] } {
  if (norms.length === 0) throw new Error('norm bound of no updates')
  const bound = boundFor(norms, rule)
  const decisions = norms.map((norm): BoundDecision => {
    if (norm <= bound) return { kind: 'within', norm }
    if (overBound === 'reject') return { kind: 'rejected', norm, bound }
    return { kind: 'clipped', factor: bound / norm, from: norm, to: bound }
  })
  return { bound, decisions }
}

/**
 * Bounds every update of a round by `rule`, in order. The input arrays are never changed; a clipped update is a new
 * array. With an adaptive bound over a round where most updates are zero the bound is 0, and every non-zero update
 * is over it: that is the definition, not a special case.
 */
export function normBound(
  updates: readonly Float32Array[],
  rule: NormBoundRule,
  overBound: OverBound,
): { readonly bound: number; readonly updates: BoundedUpdate[] } {
  const { bound, decisions } = boundDecisions(updates.map(l2Norm), rule, overBound)
  const bounded = decisions.map((decision, i): BoundedUpdate => {
    const values = updates[i]!
    if (decision.kind === 'within') return { kind: 'within', values, norm: decision.norm }
    if (decision.kind === 'rejected') return decision
    const { factor, from, to } = decision
    return { kind: 'clipped', values: scaled(values, factor), from, to }
  })
  return { bound, updates: bounded }
}
