import { forEachSpan, type Rows } from './rows'

/**
 * FedAvg of rows by weight (McMahan et al. 2017), or in a DP round their weighted sum over the fixed `denominator`
 * (DP-FedAvg), read `spanLength` coordinates at a time. Each coordinate's float64 sum adds the rows in order and the
 * total weight adds the weights in order, exactly as `FedAvgAccumulator` folds them, so the result is the same to the
 * bit; memory one span per row instead of a float64 model.
 */
export function weightedMeanOf(
  rows: Rows,
  weights: readonly number[],
  denominator: number | null,
  spanLength: number,
): Float32Array {
  if (rows.count === 0) throw new Error('FedAvg of no updates')
  if (weights.length !== rows.count) throw new Error(`${weights.length} weights for ${rows.count} updates`)
  let totalWeight = 0
  for (const weight of weights) {
    if (!(weight > 0) || !Number.isFinite(weight))
      throw new Error(`FedAvg weight must be positive, got ${weight}`)
    totalWeight += weight
  }
  if (denominator !== null && !(denominator > 0))
    throw new Error(`denominator must be positive, got ${denominator}`)
  const divisor = denominator ?? totalWeight
  const out = new Float32Array(rows.length)
  const sum = new Float64Array(Math.min(spanLength, rows.length))
  forEachSpan(rows, spanLength, (start, end, spans) => {
    sum.fill(0)
    spans.forEach((x, i) => {
      const weight = weights[i]!
      for (let j = 0; j < x.length; j++) sum[j]! += x[j]! * weight
    })
    for (let j = 0; j < end - start; j++) out[start + j] = sum[j]! / divisor
  })
  return out
}
