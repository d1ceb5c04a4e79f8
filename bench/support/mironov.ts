/**
 * Mironov's check (2012, "On significance of the least significant bits for differential privacy") on one noised
 * value: is an output y that input x produced also a possible output of a neighbouring input x'? Where it is not,
 * y rules x' out with certainty, whatever epsilon promised.
 *
 * - The old mechanism, x + laplaceNoise(b) in doubles with a 53-bit uniform u = k / 2^53 (shared/privacy/noise.ts):
 *   y is reachable from x' iff some k gives fl(x' + noise(k / 2^53)) = y. noise is monotone in u, so the k that can
 *   hit y lie next to the continuous inverse k* of y - x'; the check scans k* ± WINDOW (the window is checked to
 *   find y from the x that made it, every time).
 * - The grid mechanism (privatizeDataFrame now): y = g (round(x / g) + Z) with Z integer noise whose pmf is positive
 *   on every integer, so y is reachable from x' iff y / g is an integer: always, for outputs of the mechanism.
 */
import { columnGrid } from '../../shared/privacy/dataframe'
import { discreteLaplacePmf } from '../../shared/privacy/discrete/discrete-laplace'
import { gridIndex } from '../../shared/privacy/discrete/grid'
import type { Rational } from '../../shared/privacy/discrete/rational'

const TWO_53 = 2 ** 53
const WINDOW = 64

/** laplaceNoise's arithmetic, for u = k / 2^53 (the same expression, so the same doubles). */
function floatLaplace(scale: number, k: number): number {
  const centered = k / TWO_53 - 0.5
  return -scale * Math.sign(centered) * Math.log(1 - 2 * Math.abs(centered))
}

/** Whether the float Laplace mechanism at `scale` can output exactly `y` from input `x`. */
export function floatReachable(y: number, x: number, scale: number): boolean {
  const t = y - x
  const c = (1 - Math.exp(-Math.abs(t) / scale)) / 2
  const centre = Math.round((0.5 + Math.sign(t) * c) * TWO_53)
  for (let k = Math.max(1, centre - WINDOW); k <= Math.min(TWO_53 - 1, centre + WINDOW); k++) {
    if (x + floatLaplace(scale, k) === y) return true
  }
  return false
}

/** Whether the grid mechanism (granularity g, integer noise of Laplace scale t) can output `y` from `x`. */
export function gridReachable(
  y: number,
  x: number,
  column: Parameters<typeof columnGrid>[0],
  scale: Rational,
): boolean {
  const { lower, upper, granularity } = columnGrid(column)
  const steps = y / granularity
  if (!Number.isInteger(steps)) return false
  return discreteLaplacePmf(steps - gridIndex(x, lower, upper, granularity), scale) > 0
}

export interface MironovFigures {
  /** Outputs checked. */
  readonly outputs: number
  /** Share of outputs that rule out at least one neighbouring value (x - 1 or x + 1 within the range). */
  readonly ruleOutNeighbour: number
  /** Mean share of the candidate values lower..upper that an output rules out. */
  readonly candidatesRuledOut: number
  /** Outputs the check could not find from their own input (should be 0: validates the window). */
  readonly unexplained: number
}

/**
 * Runs the check over `samples`: pairs (x, y) of an input and the output it produced; `reachable(y, x')` says
 * whether x' could have produced y. Candidates are the integers lower..upper.
 */
export function mironovFigures(
  samples: readonly (readonly [x: number, y: number])[],
  lower: number,
  upper: number,
  reachable: (y: number, x: number) => boolean,
): MironovFigures {
  let neighbour = 0
  let ruledOut = 0
  let unexplained = 0
  for (const [x, y] of samples) {
    if (!reachable(y, x)) unexplained++
    const neighbours = [x - 1, x + 1].filter((v) => v >= lower && v <= upper)
    if (neighbours.some((v) => !reachable(y, v))) neighbour++
    let out = 0
    for (let v = lower; v <= upper; v++) if (!reachable(y, v)) out++
    ruledOut += out / (upper - lower + 1)
  }
  const n = samples.length
  return { outputs: n, ruleOutNeighbour: neighbour / n, candidatesRuledOut: ruledOut / n, unexplained }
}
