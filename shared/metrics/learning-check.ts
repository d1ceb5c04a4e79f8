import type { RoundRecord } from '../protocol'
import type { TrainingConfig } from '../rounds/config'

/** Accuracy points above the majority class a model must reach to count as having learned something. */
export const CLEAR_MARGIN = 0.05
/** Scored rounds after which a model that has not cleared the majority class is flagged. */
export const ROUNDS_BEFORE_WARNING = 3

const pct = (v: number) => `${(v * 100).toFixed(1)}%`

/**
 * The live page's honest-result check: after `ROUNDS_BEFORE_WARNING` scored rounds, a global model whose held-out
 * accuracy is not `CLEAR_MARGIN` above always answering the majority class is flagged, with the causes this run's
 * own figures point to (DP noise, the learning rate when the held-out loss rose or did not move, too few rounds, a
 * skewed split). Null while the model is fine or too young to judge. The command line's summary makes the same
 * judgement with its own hints (cli/warnings.ts).
 */
export function learningWarning(history: readonly RoundRecord[], config: TrainingConfig): string | null {
  const scored = history.filter((r) => r.round > 0 && r.evaluation)
  const last = scored.at(-1)?.evaluation
  if (scored.length < ROUNDS_BEFORE_WARNING || !last) return null
  if (last.accuracy >= last.majorityRate + CLEAR_MARGIN) return null
  const first = history.find((r) => r.evaluation)?.evaluation ?? last
  const causes: string[] = []
  if (config.privacy.mode !== 'off' || config.privacy.exampleLevel.enabled)
    causes.push('DP noise: a smaller noise multiplier, more tabs or a larger budget')
  if (last.loss > first.loss + 0.01)
    causes.push(
      `the learning rate (${config.learningRate}): the held-out loss rose from ${first.loss.toFixed(3)} to ${last.loss.toFixed(3)}; try a smaller one`,
    )
  else if (Math.abs(last.loss - first.loss) < 0.01)
    causes.push(
      `the learning rate (${config.learningRate}): the held-out loss barely moved; try a larger one or more local epochs`,
    )
  if (scored.length < 10) causes.push('too few rounds so far')
  causes.push("a skewed split: tabs that hold mostly one class (each tab's page shows its class balance)")
  return `after ${scored.length} rounds the global model is not clearly better than always answering the majority class (accuracy ${pct(last.accuracy)} against ${pct(last.majorityRate)}${last.f1 === 0 ? ', F1 0' : ''}). Likely causes: ${causes.join('; ')}.`
}
