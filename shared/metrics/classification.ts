/**
 * A confusion matrix: `matrix[actual][predicted]` counts held-out examples. Clients report counts, not rates,
 * so the coordinator's sum is the exact confusion matrix of the union of all held-out splits: every metric
 * below is then weighted by examples by construction.
 */
export type ConfusionMatrix = number[][]

export interface ClassificationMetrics {
  readonly examples: number
  readonly accuracy: number
  /** Binary: of the positive class (1). Multi-class: macro average over classes. */
  readonly precision: number
  readonly recall: number
  readonly f1: number
  /** Share of the most frequent actual class: the accuracy of always guessing it. */
  readonly majorityRate: number
}

export function emptyConfusion(classes: number): ConfusionMatrix {
  return Array.from({ length: classes }, () => new Array<number>(classes).fill(0))
}

/** Element-wise sum; both matrices must have the same number of classes. */
export function addConfusion(a: ConfusionMatrix, b: ConfusionMatrix): ConfusionMatrix {
  if (a.length !== b.length) throw new Error(`confusion matrices of ${a.length} and ${b.length} classes`)
  return a.map((row, i) => row.map((count, j) => count + (b[i]?.[j] ?? 0)))
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den)

function classScores(
  matrix: ConfusionMatrix,
  cls: number,
): { precision: number; recall: number; f1: number } {
  const truePositive = matrix[cls]?.[cls] ?? 0
  const predicted = matrix.reduce((sum, row) => sum + (row[cls] ?? 0), 0)
  const actual = (matrix[cls] ?? []).reduce((sum, n) => sum + n, 0)
  const precision = ratio(truePositive, predicted)
  const recall = ratio(truePositive, actual)
  return { precision, recall, f1: ratio(2 * precision * recall, precision + recall) }
}

/** Accuracy, precision, recall and F1 (positive class for binary, macro averages for multi-class). */
export function classificationMetrics(matrix: ConfusionMatrix): ClassificationMetrics {
  const classes = matrix.length
  const rowTotals = matrix.map((row) => row.reduce((sum, n) => sum + n, 0))
  const examples = rowTotals.reduce((sum, n) => sum + n, 0)
  const correct = matrix.reduce((sum, row, i) => sum + (row[i] ?? 0), 0)
  const scores =
    classes === 2
      ? [classScores(matrix, 1)]
      : Array.from({ length: classes }, (_, cls) => classScores(matrix, cls))
  const mean = (pick: (s: { precision: number; recall: number; f1: number }) => number): number =>
    scores.reduce((sum, s) => sum + pick(s), 0) / scores.length
  return {
    examples,
    accuracy: ratio(correct, examples),
    precision: mean((s) => s.precision),
    recall: mean((s) => s.recall),
    f1: mean((s) => s.f1),
    majorityRate: ratio(Math.max(0, ...rowTotals), examples),
  }
}

/**
 * Scores predictions: `probabilities` holds `outputs` values per example (one sigmoid output for binary tasks,
 * `classes` softmax outputs otherwise). Returns the confusion matrix and the summed cross-entropy loss
 * (probabilities clipped to [1e-7, 1 - 1e-7], as Keras does).
 */
export function scorePredictions(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
): { confusion: ConfusionMatrix; lossSum: number } {
  const outputs = classes === 2 ? 1 : classes
  if (probabilities.length !== labels.length * outputs) {
    throw new Error(`${probabilities.length} probabilities for ${labels.length} labels of ${outputs} outputs`)
  }
  const clip = (p: number): number => Math.min(1 - 1e-7, Math.max(1e-7, p))
  const confusion = emptyConfusion(classes)
  let lossSum = 0
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!
    let predicted: number
    if (outputs === 1) {
      const p = clip(probabilities[i]!)
      predicted = p >= 0.5 ? 1 : 0
      lossSum -= label === 1 ? Math.log(p) : Math.log(1 - p)
    } else {
      predicted = 0
      for (let c = 1; c < classes; c++) {
        if (probabilities[i * classes + c]! > probabilities[i * classes + predicted]!) predicted = c
      }
      lossSum -= Math.log(clip(probabilities[i * classes + label]!))
    }
    confusion[label]![predicted]!++
  }
  return { confusion, lossSum }
}
