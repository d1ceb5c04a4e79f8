/**
 * A tab's own limit on column-statistics requests (`statistics:request`). Each answer is an epsilon-DP report of the
 * tab's rows (`noisedColumnStatistics`, pure DP by the Laplace mechanism), so answers compose by adding their epsilons
 * (basic composition, Dwork and Roth 2014, Theorem 3.14). The coordinator picks the epsilon of a request and may ask
 * as often as it likes; against it (and against whoever reads the pooled result) the tab answers only while its
 * total for the task stays within `perTask`, and never a request above `perRequest`. The total is counted when the
 * answer is sent, whatever the coordinator's ack, and lives as long as the tab's session (a reload starts it anew:
 * the person chose to join again).
 */
export interface StatisticsLimits {
  /** Largest epsilon one request may spend. */
  readonly perRequest: number
  /** Largest total epsilon this tab spends on statistics for its task. */
  readonly perTask: number
}

/** Defaults: epsilon 2 a request, 5 a task: two or three useful requests, none that is nearly the raw data. */
export const DEFAULT_STATISTICS_LIMITS: StatisticsLimits = Object.freeze({ perRequest: 2, perTask: 5 })

/** What the tab shows: spent, the limits, and the last refusal's reason (null when none). */
export interface StatisticsSpend extends StatisticsLimits {
  readonly spent: number
  readonly answered: number
  readonly refused: string | null
}

export class StatisticsBudget {
  #spent = 0
  #answered = 0
  #refused: string | null = null

  constructor(readonly limits: StatisticsLimits = DEFAULT_STATISTICS_LIMITS) {
    if (!(limits.perRequest > 0 && limits.perTask > 0))
      throw new RangeError(`statistics limits must be positive; got ${JSON.stringify(limits)}`)
  }

  /** Why a request of `epsilon` is refused, or null when it fits (nothing is spent until `spend`). */
  refusal(epsilon: number): string | null {
    const { perRequest, perTask } = this.limits
    const why = !(Number.isFinite(epsilon) && epsilon > 0)
      ? `epsilon ${epsilon} is not a positive number`
      : epsilon > perRequest
        ? `epsilon ${epsilon} is above this tab's limit of ${perRequest} a request`
        : this.#spent + epsilon > perTask + 1e-12
          ? `this tab has spent epsilon ${round(this.#spent)} of its ${perTask} for this task's statistics; ${round(epsilon)} more would exceed it`
          : null
    if (why) this.#refused = why
    return why
  }

  /** Counts an answer about to be sent. */
  spend(epsilon: number): void {
    this.#spent += epsilon
    this.#answered += 1
    this.#refused = null
  }

  get view(): StatisticsSpend {
    return { ...this.limits, spent: this.#spent, answered: this.#answered, refused: this.#refused }
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000
