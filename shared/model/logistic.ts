import type { DataFrame } from '../privacy/dataframe'
import { encodedWidth, scaleToRange, type TaskSchema } from '../tasks/schema'

/**
 * A small multinomial logistic regression (softmax over the label's classes), full-batch gradient descent with L2
 * weight decay, on rows encoded as the federated tasks encode them (numeric scaled from the declared range to
 * [-1, 1], booleans 0/1, categories one-hot). For measuring how useful a copy is, not for production training.
 */

/** Encoded features (row-major, `width` per row) and label indices; rows whose label is not a class are dropped. */
export function encodeRows(
  frame: DataFrame,
  schema: TaskSchema,
): { x: Float64Array; y: Int32Array; width: number } {
  const width = encodedWidth(schema)
  const labels = frame.get(schema.label.name) ?? []
  const keep = labels.flatMap((v, r) => (schema.label.classes.includes(String(v)) ? [r] : []))
  const x = new Float64Array(keep.length * width)
  const y = Int32Array.from(keep, (r) => schema.label.classes.indexOf(String(labels[r])))
  let offset = 0
  for (const column of schema.features) {
    const values = frame.get(column.name) ?? []
    keep.forEach((r, n) => {
      const v = values[r]
      const at = n * width + offset
      if (column.type === 'categorical') {
        const k = column.categories.indexOf(String(v))
        if (k >= 0) x[at + k] = 1
      } else if (column.type === 'boolean') x[at] = Number(v) === 1 ? 1 : 0
      else x[at] = scaleToRange(Number(v), column.min, column.max)
    })
    offset += column.type === 'categorical' ? column.categories.length : 1
  }
  return { x, y, width }
}

export interface LogisticModel {
  readonly width: number
  readonly classes: number
  /** classes × (width + 1): each class's weights, then its bias. */
  readonly weights: Float64Array
}

function scores(model: LogisticModel, x: Float64Array, row: number, out: Float64Array): void {
  const { width, classes, weights } = model
  for (let c = 0; c < classes; c++) {
    let s = weights[c * (width + 1) + width]!
    for (let k = 0; k < width; k++) s += weights[c * (width + 1) + k]! * x[row * width + k]!
    out[c] = s
  }
}

/** Fits by `epochs` full-batch gradient steps of size `rate` on the mean cross-entropy plus (l2/2)·|w|². */
export function trainLogistic(
  data: { x: Float64Array; y: Int32Array; width: number },
  classes: number,
  options: { epochs?: number; rate?: number; l2?: number } = {},
): LogisticModel {
  const { epochs = 300, rate = 0.5, l2 = 1e-3 } = options
  const { x, y, width } = data
  const model = { width, classes, weights: new Float64Array(classes * (width + 1)) }
  const rows = y.length
  if (rows === 0) return model
  const p = new Float64Array(classes)
  const gradient = new Float64Array(model.weights.length)
  for (let epoch = 0; epoch < epochs; epoch++) {
    gradient.fill(0)
    for (let r = 0; r < rows; r++) {
      scores(model, x, r, p)
      const top = Math.max(...p)
      let total = 0
      for (let c = 0; c < classes; c++) total += p[c] = Math.exp(p[c]! - top)
      for (let c = 0; c < classes; c++) {
        const g = p[c]! / total - (y[r] === c ? 1 : 0)
        for (let k = 0; k < width; k++) gradient[c * (width + 1) + k]! += g * x[r * width + k]!
        gradient[c * (width + 1) + width]! += g
      }
    }
    for (let k = 0; k < gradient.length; k++) {
      const isBias = k % (width + 1) === width
      model.weights[k]! -= rate * (gradient[k]! / rows + (isBias ? 0 : l2 * model.weights[k]!))
    }
  }
  return model
}

/** The share of rows whose most likely class is their label (0 for no rows). */
export function accuracy(model: LogisticModel, data: { x: Float64Array; y: Int32Array }): number {
  const p = new Float64Array(model.classes)
  let right = 0
  for (let r = 0; r < data.y.length; r++) {
    scores(model, data.x, r, p)
    if (p.indexOf(Math.max(...p)) === data.y[r]) right++
  }
  return data.y.length ? right / data.y.length : 0
}
