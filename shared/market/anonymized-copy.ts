import { type ColumnPrivacy, type DataFrame, privatizeDataFrame } from '../privacy/dataframe'
import { syntheticCopy } from '../privacy/synthetic/mst'
import { type RandomSource, secureRandom } from '../random'
import type { TaskSchema } from '../tasks/schema'
import { frameToCsv } from './dataset-frame'
import type { CopyKind } from './types'

/** How each column of a listed dataset is privatized in a copy: by its declared type and range. */
export function copyColumns(schema: TaskSchema): ColumnPrivacy[] {
  return [
    ...schema.features.map((c): ColumnPrivacy => {
      switch (c.type) {
        case 'numeric':
        case 'integer':
          return {
            column: c.name,
            kind: 'numeric',
            lower: c.min,
            upper: c.max,
            mechanism: 'laplace',
            integer: c.type === 'integer',
          }
        case 'boolean':
          return { column: c.name, kind: 'categorical', categories: ['0', '1'] }
        default:
          return { column: c.name, kind: 'categorical', categories: c.categories }
      }
    }),
    { column: schema.label.name, kind: 'categorical', categories: schema.label.classes },
  ]
}

/**
 * The anonymized copy a buyer receives: every row perturbed on its own (local DP at `epsilon` per row, split over
 * the columns): each numeric value clamped to its column's declared range, rounded to the column's grid (1 for
 * integer columns, a power of two near range / 1024 otherwise) and given discrete Laplace noise scaled to the range
 * (`privatizeDataFrame`, Canonne, Kamath and Steinke 2020); randomized response for booleans, categories and the
 * label. Made in the provider's tab; only its sealed bytes travel.
 */
export function anonymizedCopy(
  frame: DataFrame,
  schema: TaskSchema,
  epsilon: number,
  random: RandomSource = secureRandom,
): { csv: string; frame: Map<string, (number | string)[]>; epsilon: number } {
  const { frame: noised, spent } = privatizeDataFrame(frame, copyColumns(schema), { epsilon }, random)
  return { csv: frameToCsv(noised), frame: noised, epsilon: spent.epsilon }
}

/**
 * The copy of the kind a buyer chose, at the listing's `epsilon`: `per-row` (above) or `synthetic` (MST,
 * `syntheticCopy`: rows drawn from noisy 1- and 2-way marginals, epsilon-DP for the whole table). Reports the
 * epsilon spent.
 */
export function marketCopy(
  frame: DataFrame,
  schema: TaskSchema,
  epsilon: number,
  kind: CopyKind,
  random: RandomSource = secureRandom,
): { csv: string; frame: Map<string, (number | string)[]>; epsilon: number } {
  switch (kind) {
    case 'per-row':
      return anonymizedCopy(frame, schema, epsilon, random)
    case 'synthetic': {
      const copy = syntheticCopy(frame, schema, epsilon, { random })
      return { csv: frameToCsv(copy.frame), frame: copy.frame, epsilon: copy.spent.epsilon }
    }
    default: {
      const _exhaustive: never = kind
      throw new Error(`unknown copy kind ${String(_exhaustive)}`)
    }
  }
}
