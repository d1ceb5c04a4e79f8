import { EvaluationTally } from '../../shared/metrics/evaluation-tally'
import type { EvaluationReport, FederationMetricsMessage, RoundRecord } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { ClientId } from '../../shared/rounds/state'

/** Earlier runs kept for the live page (each is one record per round: a few hundred bytes a round). */
export const EARLIER_RUNS = 5

/**
 * Every global model of a run (round 0 first, the baseline later rounds are compared with) and the tabs' held-out
 * evaluations of each: confusion-matrix counts added up, so the metrics are exact over the union of the tabs'
 * held-out rows. Memory: one record and one tally per model version.
 */
export class ModelHistory {
  #records: RoundRecord[] = []
  #run = 1
  /** The last `EARLIER_RUNS` runs before this one (a reset starts a new run), newest last: kept apart, browsable. */
  #earlier: { readonly run: number; readonly history: readonly RoundRecord[] }[] = []
  readonly #tallies = new Map<string, EvaluationTally>()

  constructor(private readonly classes: number) {}

  get records(): readonly RoundRecord[] {
    return this.#records
  }

  get run(): number {
    return this.#run
  }

  /** The runs before this one, newest last (at most `EARLIER_RUNS`). */
  get earlierRuns(): readonly { readonly run: number; readonly history: readonly RoundRecord[] }[] {
    return this.#earlier
  }

  /**
   * A fresh history for run `run` whose first entry is `model` (a new initial model, or the one a restart resumed).
   * The history of an earlier run that trained at least one round is kept apart (`earlierRuns`).
   */
  restart(model: { readonly round: number; readonly version: string }, now: number, run: number): void {
    if (run !== this.#run && this.#records.length > 1)
      this.#earlier = [...this.#earlier, { run: this.#run, history: this.#records }].slice(-EARLIER_RUNS)
    this.#run = run
    this.#records = []
    this.#tallies.clear()
    this.add({
      round: model.round,
      version: model.version,
      participants: 0,
      examples: 0,
      durationMs: null,
      completedAt: now,
      trainLoss: null,
      trainAccuracy: null,
      evaluation: null,
      epsilon: null,
      encryption: null,
    })
  }

  add(record: RoundRecord): void {
    this.#records.push(record)
    this.#tallies.set(record.version, new EvaluationTally(this.classes))
  }

  /** Adds a tab's evaluation of one version; the updated metrics go back for the tabs and the page. */
  evaluate(id: ClientId, report: EvaluationReport): Result<FederationMetricsMessage> {
    const tally = this.#tallies.get(report.version)
    const index = this.#records.findIndex((r) => r.version === report.version)
    if (!tally || index === -1) return fail('stale-round', `no global model ${report.version} in this run`)
    const classes = tally.classes
    if (report.confusion.length !== classes || report.confusion.some((row) => row.length !== classes)) {
      return fail('wrong-shape', `confusion matrix must be ${classes}x${classes} for this task`)
    }
    const counted = report.confusion.flat().reduce((a, b) => a + b, 0)
    if (counted !== report.examples) {
      return fail(
        'bad-payload',
        `confusion matrix counts ${counted} examples, report says ${report.examples}`,
      )
    }
    if (tally.has(id)) return fail('duplicate-update', `${id} already evaluated ${report.version}`)
    tally.add(id, report)
    const metrics = tally.metrics()
    const record = this.#records[index]!
    this.#records[index] = { ...record, evaluation: metrics }
    return ok({ round: record.round, version: record.version, metrics })
  }
}
