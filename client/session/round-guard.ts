import type { DpSgdRound } from '../../shared/privacy/participant-ledger'
import type { RoundStartMessage, TaskStateMessage } from '../../shared/protocol'
import {
  describeFloor,
  floorOf,
  learnFrom,
  type ProtectionFloor,
  roundRefusals,
  strongest,
  weakenings,
} from './protection-floor'
import type { SessionState } from './session-state'
import { StatisticsBudget, type StatisticsLimits } from './statistics-budget'
import type { TabEnforcement } from './tab-enforcement'

/** A tab's own rules, set by whoever starts the session (the page takes the defaults). */
export interface TabPolicy {
  readonly statistics?: StatisticsLimits
}

/**
 * The tab's side of the task's promises (`protection-floor.ts`): it refuses a round below what it agreed to, a
 * DP-SGD round that would take its rows' example-level epsilon past the task's budget, and statistics requests past
 * its own limit (`statistics-budget.ts`). A refusal is a notice and the card's `enforcement`; nothing is sent.
 */
export class RoundGuard {
  #floor: ProtectionFloor | null = null
  /** A weaker task state the coordinator announced, until the person accepts it. */
  #weaker: TaskStateMessage | null = null
  #refused: TabEnforcement['refused'] = null
  readonly #statistics: StatisticsBudget

  constructor(
    private readonly state: SessionState,
    policy: TabPolicy = {},
  ) {
    this.#statistics = new StatisticsBudget(policy.statistics)
  }

  /** The hello reply's state: the floor at the first join; a reconnect can only raise it. */
  joined(taskState: TaskStateMessage): void {
    if (this.#floor === null) {
      this.#floor = floorOf(taskState)
      this.#show()
      return
    }
    this.shown(taskState)
  }

  /** A `task:state` change: a stronger one raises the floor, a weaker one waits for the person's acceptance. */
  shown(taskState: TaskStateMessage): void {
    if (this.#floor === null) return
    const next = floorOf(taskState)
    const weaker = weakenings(this.#floor, next)
    this.#floor = strongest(this.#floor, next)
    if (weaker.length === 0) {
      this.#weaker = null
      this.#show()
      return
    }
    this.#weaker = taskState
    this.#show(
      `the coordinator weakened this task's protection (${weaker.join('; ')}): this tab refuses such rounds unless you accept the weaker settings`,
    )
  }

  /** The person accepts the announced weaker settings: they become the floor. False when none is pending. */
  acceptWeaker(): boolean {
    if (!this.#weaker) return false
    const described = weakenings(this.#floor!, floorOf(this.#weaker)).join('; ')
    this.#floor = floorOf(this.#weaker)
    this.#weaker = null
    this.#show(`weaker protection accepted in this tab (${described})`, 'info')
    return true
  }

  /**
   * Whether this tab trains `message`: refusals are noticed and shown; `exampleEpsilonAfter` is this tab's
   * example-level epsilon once the round's DP-SGD steps are counted (its own ledger, `UpdateSender`).
   */
  admit(
    message: RoundStartMessage,
    exampleEpsilonAfter: (round: DpSgdRound, delta: number) => number,
  ): boolean {
    if (this.#floor === null) {
      this.#refuse(message.round, ['this tab has not joined the task yet'])
      return false
    }
    const reasons = roundRefusals(this.#floor, message)
    const dpSgd = message.settings.dpSgd
    const rows = this.state.snapshot.data?.trainExamples ?? 0
    const budget = this.#floor.epsilonBudget ?? this.state.snapshot.taskState?.privacy.epsilonBudget
    if (dpSgd && rows > 0 && budget !== undefined) {
      const { batchSize, epochs } = message.settings
      const after = exampleEpsilonAfter(
        { rows, batchSize, epochs, noiseMultiplier: dpSgd.noiseMultiplier },
        dpSgd.delta,
      )
      if (after > budget)
        reasons.push(
          `DP-SGD would take this tab's example-level epsilon to ${after.toFixed(3)}, past the task's budget of ${budget}`,
        )
    }
    if (reasons.length > 0) {
      this.#refuse(message.round, reasons)
      return false
    }
    this.#floor = learnFrom(this.#floor, message)
    this.#show()
    return true
  }

  /** Whether to answer a statistics request of `epsilon`; an answer is counted here. */
  admitStatistics(epsilon: number): boolean {
    const why = this.#statistics.refusal(epsilon)
    if (why) {
      this.#show(`column statistics refused: ${why}`)
      return false
    }
    this.#statistics.spend(epsilon)
    this.#show()
    return true
  }

  #refuse(round: number, reasons: string[]): void {
    this.#refused = { round, reasons }
    this.state.set(
      { status: this.state.resting(), enforcement: this.#view() },
      'error',
      `round ${round} refused, nothing sent: ${reasons.join('; ')}`,
    )
  }

  #show(text?: string, level: 'info' | 'warning' = 'warning'): void {
    this.state.set({ enforcement: this.#view() }, text ? level : undefined, text)
  }

  #view(): TabEnforcement {
    const pending = this.#weaker && this.#floor ? weakenings(this.#floor, floorOf(this.#weaker)) : []
    return {
      floor: this.#floor && describeFloor(this.#floor),
      pending,
      refused: this.#refused,
      statistics: this.#statistics.view,
    }
  }
}
