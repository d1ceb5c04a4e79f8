import type { RandomSource } from '../../random'
import type { TaskSchema } from '../../tasks/schema'
import type { DataFrame } from '../dataframe'
import { PrivacyParameterError } from '../parameters'

/**
 * A column as the synthesizer sees it: a finite domain of `size` cells. Numeric columns become equal-width bins over
 * their declared range (never the data's own range, which would leak), integer columns with few values one cell
 * each; booleans, categories and the label keep their values.
 */
export type DiscreteColumn =
  | {
      readonly name: string
      readonly kind: 'categorical'
      readonly values: readonly string[]
      readonly size: number
    }
  | { readonly name: string; readonly kind: 'boolean'; readonly size: 2 }
  | {
      readonly name: string
      readonly kind: 'numeric' | 'integer'
      readonly min: number
      readonly max: number
      readonly size: number
    }

/** Bins per numeric column unless told otherwise: fine enough for a shape, coarse enough for the noise. */
export const DEFAULT_BINS = 10

/** The columns of a listed dataset, features then label, discretized from the schema alone. */
export function discreteColumns(schema: TaskSchema, bins = DEFAULT_BINS): DiscreteColumn[] {
  if (!Number.isInteger(bins) || bins < 2)
    throw new PrivacyParameterError('bins', `must be an integer >= 2, got ${bins}`)
  const columns: DiscreteColumn[] = schema.features.map((c): DiscreteColumn => {
    switch (c.type) {
      case 'numeric':
        return { name: c.name, kind: 'numeric', min: c.min, max: c.max, size: bins }
      case 'integer': {
        const lo = Math.ceil(c.min)
        const hi = Math.floor(c.max)
        return {
          name: c.name,
          kind: 'integer',
          min: lo,
          max: hi,
          size: Math.max(1, Math.min(bins, hi - lo + 1)),
        }
      }
      case 'boolean':
        return { name: c.name, kind: 'boolean', size: 2 }
      case 'categorical':
        return { name: c.name, kind: 'categorical', values: c.categories, size: c.categories.length }
      default: {
        const _exhaustive: never = c
        throw new Error(`unknown column type in ${JSON.stringify(_exhaustive)}`)
      }
    }
  })
  columns.push({
    name: schema.label.name,
    kind: 'categorical',
    values: schema.label.classes,
    size: schema.label.classes.length,
  })
  for (const c of columns)
    if (c.size < 2)
      throw new PrivacyParameterError(c.name, 'a column needs at least two values to be synthesized')
  return columns
}

/** The cell of a numeric value: equal-width bins over [min, max], values outside clipped to the end bins. */
function binOf(
  column: { min: number; max: number; size: number; kind: 'numeric' | 'integer' },
  v: number,
): number {
  if (column.kind === 'integer') {
    // Integer bins hold whole numbers: cell i covers the integers from lo + floor(i·span/size) on.
    const span = column.max - column.min + 1
    const offset = Math.min(span - 1, Math.max(0, Math.round(v) - column.min))
    return Math.min(column.size - 1, Math.floor((offset * column.size) / span))
  }
  const at = Math.floor(((v - column.min) / (column.max - column.min)) * column.size)
  return Math.min(column.size - 1, Math.max(0, at))
}

/**
 * Every row's cell in every column (column-major). Throws, naming the column and row, on a value outside the
 * column's domain (a category not declared, a boolean that is not 0/1, a non-number) or on a column missing.
 */
export function encodeFrame(
  frame: DataFrame,
  columns: readonly DiscreteColumn[],
): { codes: Int32Array[]; rows: number } {
  const rows = frame.get(columns[0]?.name ?? '')?.length ?? 0
  const codes = columns.map((column) => {
    const values = frame.get(column.name)
    if (!values) throw new PrivacyParameterError('column', `no column "${column.name}" in the data`)
    if (values.length !== rows)
      throw new PrivacyParameterError(column.name, `has ${values.length} rows, not ${rows}`)
    const out = new Int32Array(rows)
    values.forEach((v, row) => {
      const bad = (): never => {
        throw new PrivacyParameterError(
          column.name,
          `row ${row + 1} holds ${JSON.stringify(v)}, outside its domain`,
        )
      }
      switch (column.kind) {
        case 'categorical': {
          const at = column.values.indexOf(String(v))
          out[row] = at === -1 ? bad() : at
          break
        }
        case 'boolean':
          out[row] = v === 1 || v === '1' ? 1 : v === 0 || v === '0' ? 0 : bad()
          break
        default:
          out[row] = typeof v === 'number' && Number.isFinite(v) ? binOf(column, v) : bad()
      }
    })
    return out
  })
  return { codes, rows }
}

/** A value for a cell: the category itself, or a number drawn uniformly within the bin (a whole one for integers). */
export function decodeCell(column: DiscreteColumn, cell: number, random: RandomSource): number | string {
  switch (column.kind) {
    case 'categorical':
      return column.values[cell]!
    case 'boolean':
      return cell
    case 'integer': {
      const span = column.max - column.min + 1
      const lo = Math.ceil((cell * span) / column.size)
      const hi = Math.ceil(((cell + 1) * span) / column.size) - 1
      return column.min + lo + Math.floor(random() * (hi - lo + 1))
    }
    case 'numeric': {
      // Rounded to a thousandth of the bin's width (at least): the value stays in its bin, without float noise digits.
      const width = (column.max - column.min) / column.size
      const digits = Math.min(12, Math.max(0, Math.ceil(-Math.log10(width / 1000))))
      const lo = column.min + cell * width
      const value = Number((lo + random() * width).toFixed(digits))
      // Kept a grid step inside the bin's edges, so float rounding cannot move it to a neighbouring bin.
      const bottom = cell === 0 ? column.min : lo + 10 ** -digits
      const top = cell === column.size - 1 ? column.max : lo + width - 10 ** -digits
      return Math.min(top, Math.max(bottom, value))
    }
  }
}
