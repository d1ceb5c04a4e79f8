import { accuracy, encodeRows, trainLogistic } from '../model/logistic'
import type { DataFrame } from '../privacy/dataframe'
import { discreteColumns, encodeFrame } from '../privacy/synthetic/discretize'
import { marginalError } from '../privacy/synthetic/marginals'
import { type RandomSource, sampleWithoutReplacement, secureRandom } from '../random'
import type { TaskSchema } from '../tasks/schema'
import { marketCopy } from './anonymized-copy'
import { COPY_KINDS, type CopyKind, type CopyKindUtility, type CopyUtility } from './types'

/** The rows of `frame` at `indices`, in that order. */
export function frameRows(frame: DataFrame, indices: readonly number[]): Map<string, (number | string)[]> {
  return new Map([...frame].map(([name, values]) => [name, indices.map((r) => values[r]!)]))
}

/** The frame split at random into a training part and `heldOutShare` of held-out rows (at least one of each). */
export function splitFrame(
  frame: DataFrame,
  heldOutShare: number,
  random: RandomSource,
): { train: Map<string, (number | string)[]>; heldOut: Map<string, (number | string)[]> } {
  const rows = [...frame.values()][0]?.length ?? 0
  if (rows < 2) throw new RangeError(`splitFrame: ${rows} rows cannot be split`)
  const order = sampleWithoutReplacement(
    Array.from({ length: rows }, (_, r) => r),
    rows,
    random,
  )
  const cut = Math.min(rows - 1, Math.max(1, Math.round(rows * heldOutShare)))
  return { heldOut: frameRows(frame, order.slice(0, cut)), train: frameRows(frame, order.slice(cut)) }
}

/**
 * One kind of copy's utility: made from `train` at `epsilon`, its marginal error against `train` (the rows it was
 * made from) and the held-out accuracy of a logistic model trained on it.
 */
export function copyKindUtility(
  train: DataFrame,
  heldOut: DataFrame,
  schema: TaskSchema,
  epsilon: number,
  kind: CopyKind,
  random: RandomSource,
): CopyKindUtility {
  const copy = marketCopy(train, schema, epsilon, kind, random).frame
  const columns = discreteColumns(schema)
  const sizes = columns.map((c) => c.size)
  const error = marginalError(encodeFrame(train, columns).codes, encodeFrame(copy, columns).codes, sizes)
  const model = trainLogistic(encodeRows(copy, schema), schema.label.classes.length)
  return { marginalError: error, accuracy: accuracy(model, encodeRows(heldOut, schema)) }
}

/** The majority class's share among `frame`'s labels. */
export function majorityShare(frame: DataFrame, schema: TaskSchema): number {
  const labels = frame.get(schema.label.name) ?? []
  const counts = schema.label.classes.map((c) => labels.filter((v) => String(v) === c).length)
  return labels.length ? Math.max(...counts) / labels.length : 0
}

/** Rows the utility is measured on at most (a uniform sample beyond): bounds the work done in the provider's tab. */
export const MAX_UTILITY_ROWS = 5000

/**
 * Both kinds' utility at the listing's copy epsilon on the same split, in the provider's tab (on a sample of
 * MAX_UTILITY_ROWS rows at most). Caveat for the page: the copies are DP, but these few figures are measured against
 * the real rows and are released without noise.
 */
export function copyUtility(
  frame: DataFrame,
  schema: TaskSchema,
  epsilon: number,
  random: RandomSource = secureRandom,
  heldOutShare = 0.2,
): CopyUtility {
  const rows = frame.get(schema.label.name)?.length ?? 0
  const sample =
    rows > MAX_UTILITY_ROWS
      ? frameRows(
          frame,
          sampleWithoutReplacement(
            Array.from({ length: rows }, (_, r) => r),
            MAX_UTILITY_ROWS,
            random,
          ),
        )
      : frame
  const { train, heldOut } = splitFrame(sample, heldOutShare, random)
  const kinds = Object.fromEntries(
    COPY_KINDS.map((kind) => [kind, copyKindUtility(train, heldOut, schema, epsilon, kind, random)]),
  ) as Record<CopyKind, CopyKindUtility>
  const round = (v: number) => Math.round(v * 1000) / 1000
  return {
    epsilon,
    heldOut: heldOut.get(schema.label.name)?.length ?? 0,
    majority: round(majorityShare(heldOut, schema)),
    kinds: Object.fromEntries(
      COPY_KINDS.map((k) => [
        k,
        { marginalError: round(kinds[k].marginalError), accuracy: round(kinds[k].accuracy) },
      ]),
    ) as Record<CopyKind, CopyKindUtility>,
  }
}
