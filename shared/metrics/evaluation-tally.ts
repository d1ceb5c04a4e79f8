import type { GlobalMetrics } from '../protocol/rounds'
import { addConfusion, type ConfusionMatrix, classificationMetrics, emptyConfusion } from './classification'

/**
 * Pools the clients' evaluations of one global model: confusion matrices and loss sums add up, so the result is
 * the exact score over the union of the reporting clients' held-out splits (every metric weighted by examples).
 * One report per client.
 */
export class EvaluationTally {
  #confusion: ConfusionMatrix
  #lossSum = 0
  #examples = 0
  readonly #reporters = new Set<string>()

  constructor(readonly classes: number) {
    this.#confusion = emptyConfusion(classes)
  }

  has(clientId: string): boolean {
    return this.#reporters.has(clientId)
  }

  get reports(): number {
    return this.#reporters.size
  }

  add(clientId: string, report: { examples: number; lossSum: number; confusion: ConfusionMatrix }): void {
    if (this.#reporters.has(clientId)) throw new Error(`${clientId} already reported`)
    this.#confusion = addConfusion(this.#confusion, report.confusion)
    this.#lossSum += report.lossSum
    this.#examples += report.examples
    this.#reporters.add(clientId)
  }

  metrics(): GlobalMetrics {
    return {
      ...classificationMetrics(this.#confusion),
      loss: this.#examples === 0 ? 0 : this.#lossSum / this.#examples,
      reports: this.#reporters.size,
    }
  }
}
