import type { RandomSource } from '../../shared/random'
import type { EncodedRows } from './csv/csv-ingest'
import type { Dataset, Split } from './dataset'

/**
 * A local train / validation split of encoded rows, shuffled with `random`. The validation split only ever scores
 * global models; with fewer than 10 rows everything trains and the validation split is empty.
 */
export function splitRows(
  rows: EncodedRows,
  classes: number,
  validationShare: number,
  random: RandomSource,
): Dataset {
  const order = new Uint32Array(rows.count)
  for (let i = 0; i < order.length; i++) order[i] = i
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const held = order[i]!
    order[i] = order[j]!
    order[j] = held
  }
  const testCount = rows.count < 10 ? 0 : Math.round(rows.count * validationShare)
  const take = (indices: Uint32Array): Split => {
    const x = new Float32Array(indices.length * rows.width)
    const y = new Int32Array(indices.length)
    indices.forEach((row, i) => {
      x.set(rows.x.subarray(row * rows.width, (row + 1) * rows.width), i * rows.width)
      y[i] = rows.y[row]!
    })
    return { x, y, count: indices.length }
  }
  return {
    features: rows.width,
    classes,
    test: take(order.subarray(0, testCount)),
    train: take(order.subarray(testCount)),
  }
}
