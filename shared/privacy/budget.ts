import { fail, ok, type Result } from '../result'
import { requireDelta, requireEpsilon, requireNonNegative } from './parameters'

export interface PrivacyCost {
  readonly epsilon: number
  readonly delta: number
}

/**
 * A total (epsilon, delta) that releases draw from by basic sequential composition (costs add up; Dwork and Roth
 * 2014, Thm 3.16). A release that would exceed the budget is refused and nothing is spent.
 * (Training rounds use the tighter RDP accountant instead; this is for one-shot statistics and exports.)
 */
export class PrivacyBudget {
  #spent: PrivacyCost = { epsilon: 0, delta: 0 }
  readonly #log: { what: string; cost: PrivacyCost }[] = []

  constructor(readonly total: PrivacyCost) {
    requireEpsilon(total.epsilon, 'budget.epsilon')
    if (total.delta !== 0) requireDelta(total.delta, 'budget.delta')
  }

  get spent(): PrivacyCost {
    return this.#spent
  }

  get remaining(): PrivacyCost {
    return { epsilon: this.total.epsilon - this.#spent.epsilon, delta: this.total.delta - this.#spent.delta }
  }

  get releases(): readonly { what: string; cost: PrivacyCost }[] {
    return this.#log
  }

  /** Spends `cost` for `what`, or refuses (code over-budget) and spends nothing. */
  spend(what: string, cost: PrivacyCost): Result<PrivacyCost> {
    requireNonNegative(cost.epsilon, 'epsilon')
    requireNonNegative(cost.delta, 'delta')
    const epsilon = this.#spent.epsilon + cost.epsilon
    const delta = this.#spent.delta + cost.delta
    const slack = 1e-12
    if (epsilon > this.total.epsilon + slack || delta > this.total.delta + slack) {
      const left = this.remaining
      return fail(
        'over-budget',
        `${what} needs epsilon ${cost.epsilon}, delta ${cost.delta}; the budget has epsilon ${left.epsilon.toFixed(4)}, delta ${left.delta} left`,
      )
    }
    this.#spent = { epsilon, delta }
    this.#log.push({ what, cost })
    return ok(this.#spent)
  }
}
