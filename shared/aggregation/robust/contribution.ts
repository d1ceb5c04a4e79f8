import { forEachSpan, type Rows } from './rows'
import { dot, l2Norm } from './vector-math'

/**
 * A participant's contribution score in [0, 1]: the cosine similarity of its (bounded) update with the round's
 * robust aggregate step, floored at 0, in the spirit of FLTrust's direction scores (Cao, Fang, Liu and Gong 2021,
 * "FLTrust: Byzantine-robust Federated Learning via Trust Bootstrapping"). An update pointing against the step earns
 * nothing; one along it earns in proportion to its alignment, not its size, so a large update buys no more than an
 * aligned small one. 0 when either vector is zero (no direction to compare).
 */
export function contributionScore(update: Float32Array, step: Float32Array): number {
  const norms = l2Norm(update) * l2Norm(step)
  if (!(norms > 0) || !Number.isFinite(norms)) return 0
  return Math.min(1, Math.max(0, dot(update, step) / norms))
}

/**
 * `contributionScore` of every row against `step`, the rows read `spanLength` coordinates at a time: each row's dot
 * product and squared norm are summed over the coordinates in order, as the whole-vector score sums them.
 */
export function contributionScoresOf(rows: Rows, step: Float32Array, spanLength: number): number[] {
  if (step.length !== rows.length)
    throw new Error(`dot of vectors of ${rows.length} and ${step.length} values`)
  const dots = new Float64Array(rows.count)
  const squares = new Float64Array(rows.count)
  forEachSpan(rows, spanLength, (start, _end, spans) => {
    spans.forEach((x, i) => {
      let d = dots[i]!
      let s = squares[i]!
      for (let j = 0; j < x.length; j++) {
        d += x[j]! * step[start + j]!
        s += x[j]! * x[j]!
      }
      dots[i] = d
      squares[i] = s
    })
  })
  const stepNorm = l2Norm(step)
  return Array.from(dots, (d, i) => {
    const norms = Math.sqrt(squares[i]!) * stepNorm
    if (!(norms > 0) || !Number.isFinite(norms)) return 0
    return Math.min(1, Math.max(0, d / norms))
  })
}
