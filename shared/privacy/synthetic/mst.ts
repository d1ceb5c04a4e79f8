import { type RandomSource, secureRandom } from '../../random'
import type { TaskSchema } from '../../tasks/schema'
import type { DataFrame } from '../dataframe'
import { discreteLaplaceVariance } from '../discrete/discrete-laplace'
import { scaleAtLeast } from '../discrete/rational'
import { PrivacyParameterError, requireEpsilon } from '../parameters'
import { DEFAULT_BINS, decodeCell, discreteColumns, encodeFrame } from './discretize'
import { marginal, noisyCounts, toDistribution } from './marginals'
import { edgeKey, fitTreeModel, type Measurement, sampleTreeModel } from './sampling'
import { privateSpanningTree } from './spanning-tree'

/**
 * DP synthetic data from noisy low-order marginals: MST (McKenna, Miklau and Sheldon 2021, "Winning the NIST
 * Contest: A scalable and general approach to differentially private synthetic data", Sec. 4), with pure epsilon-DP
 * discrete Laplace noise (Canonne, Kamath and Steinke 2020) in place of MST's Gaussian, so a copy's epsilon means
 * what the per-row copy's does, with no delta.
 *
 * Neighbouring datasets differ in one row replaced (the row count is public: the listing declares it, and the copy
 * has exactly as many rows). A marginal then has L1 sensitivity 2, and so has MST's selection score.
 *
 * The budget, split as MST splits its zCDP budget, composed sequentially (pure DP adds up):
 * 1. all d 1-way marginals: epsilon/3, each at epsilon/(3d): discrete Laplace of scale 2·3d/epsilon per cell;
 * 2. the tree: d - 1 exponential-mechanism steps at epsilon/(3(d - 1)) each, scoring an edge (i, j) by the L1
 *    distance between its true 2-way counts and those independence predicts from step 1 (MST's proxy for mutual
 *    information; sensitivity 2). With two columns there is one tree: this step is free and its share goes to 3;
 * 3. the d - 1 2-way marginals of the tree: the rest, each at (rest)/(d - 1).
 * The total is epsilon1 + epsilon2 + epsilon3 = epsilon. Everything after (projection, the tree model, sampling,
 * values drawn within bins) is post-processing.
 */

/** A marginal's L1 sensitivity under the replacement of one row (and the selection score's). */
const SENSITIVITY = 2
/** MST's thirds. On bench/synthetic-utility.ts, less for selection (0.1 to 0.15) left the 2-way marginals closer but
 * tied the label to weaker predictors (held-out accuracy 4 to 8 points lower at epsilon 2 and 8). */
const ONE_WAY_SHARE = 1 / 3
const SELECTION_SHARE = 1 / 3

export interface SyntheticSpend {
  /** The epsilon the copy spent: the sum of the parts, equal to the epsilon it was given. */
  readonly epsilon: number
  readonly parts: readonly { readonly what: string; readonly epsilon: number; readonly noiseScale?: number }[]
}

export interface SyntheticCopy {
  readonly frame: Map<string, (number | string)[]>
  readonly spent: SyntheticSpend
  /** The 2-way marginals measured: the tree's edges, by column name. */
  readonly tree: readonly (readonly [string, string])[]
}

/**
 * A synthetic table with the schema's columns (features, then label) and as many rows as `frame`, epsilon-DP with
 * respect to `frame` (see the module comment). Throws a PrivacyParameterError on epsilon <= 0, an empty frame, a
 * column with fewer than two values, or a value outside its declared domain.
 */
export function syntheticCopy(
  frame: DataFrame,
  schema: TaskSchema,
  epsilon: number,
  options: { random?: RandomSource; bins?: number } = {},
): SyntheticCopy {
  requireEpsilon(epsilon)
  const random = options.random ?? secureRandom
  const columns = discreteColumns(schema, options.bins ?? DEFAULT_BINS)
  const { codes, rows } = encodeFrame(frame, columns)
  if (rows === 0) throw new PrivacyParameterError('frame', 'has no rows to synthesize from')
  const sizes = columns.map((c) => c.size)
  const d = columns.length

  const oneWayEpsilon = epsilon * ONE_WAY_SHARE
  const selectionEpsilon = d > 2 ? epsilon * SELECTION_SHARE : 0
  const pairEpsilon = epsilon - oneWayEpsilon - selectionEpsilon

  const oneWayScale = (SENSITIVITY * d) / oneWayEpsilon
  const oneWay: Measurement[] = sizes.map((_, i) => ({
    counts: noisyCounts(marginal(codes, sizes, i), oneWayScale, random),
    variance: discreteLaplaceVariance(scaleAtLeast(oneWayScale)),
  }))

  const independent = oneWay.map((m) => toDistribution(m.counts))
  const score = (i: number, j: number): number => {
    const truth = marginal(codes, sizes, i, j)
    let l1 = 0
    for (let a = 0; a < sizes[i]!; a++)
      for (let b = 0; b < sizes[j]!; b++)
        l1 += Math.abs(truth[a * sizes[j]! + b]! - rows * independent[i]![a]! * independent[j]![b]!)
    return l1
  }
  const tree =
    d > 2 ? privateSpanningTree(d, score, selectionEpsilon / (d - 1), SENSITIVITY, random) : [{ i: 0, j: 1 }]

  const pairScale = (SENSITIVITY * (d - 1)) / pairEpsilon
  const pairs = new Map<string, Measurement>(
    tree.map((e) => [
      edgeKey(e.i, e.j),
      {
        counts: noisyCounts(
          marginal(codes, sizes, Math.min(e.i, e.j), Math.max(e.i, e.j)),
          pairScale,
          random,
        ),
        variance: discreteLaplaceVariance(scaleAtLeast(pairScale)),
      },
    ]),
  )

  // Rooted at the label, whose share the pooled root estimate keeps closest to its measurements.
  const model = fitTreeModel(sizes, tree, oneWay, pairs, d - 1)
  const sampled = sampleTreeModel(model, rows, random)
  const out = new Map<string, (number | string)[]>()
  columns.forEach((column, i) => {
    out.set(
      column.name,
      Array.from(sampled[i]!, (cell) => decodeCell(column, cell, random)),
    )
  })
  const parts = [
    { what: `${d} one-way marginals`, epsilon: oneWayEpsilon, noiseScale: oneWayScale },
    ...(d > 2
      ? [{ what: `tree selection (${d - 1} exponential-mechanism steps)`, epsilon: selectionEpsilon }]
      : []),
    { what: `${d - 1} two-way marginals`, epsilon: pairEpsilon, noiseScale: pairScale },
  ]
  return {
    frame: out,
    spent: { epsilon: parts.reduce((s, p) => s + p.epsilon, 0), parts },
    tree: tree.map((e) => [columns[e.i]!.name, columns[e.j]!.name] as const),
  }
}
