import type { TaskInfo } from '../protocol/tasks'
import {
  DIABETES_FEATURES,
  DIABETES_RANGES,
  DIABETES_SCALING,
  standardizeDiabetesFeature,
} from './diabetes-demo'
import { type ColumnSchema, encodedWidthOf, scaleToRange } from './schema'

/**
 * Features in their own units, and the one way they become model inputs. A CSV task encodes with its schema
 * (`encodeColumnValue`, which `CsvIngest` builds training rows with); the built-in demo standardises with its
 * declared scaling (`standardizeDiabetesFeature`, which its generator uses). A prediction's inputs go through the
 * same functions, after a check against the declared ranges, so the model reads them as it read its training rows.
 */

/** One feature's value in its own units: a number, a yes/no, a category's name, or null for missing. */
export type RawValue = number | boolean | string | null

/** A feature as a person enters it: a number within its declared range, a yes/no, or one of its categories. */
export type FeatureField =
  | {
      readonly kind: 'number'
      readonly name: string
      readonly min: number
      readonly max: number
      readonly integer: boolean
    }
  | { readonly kind: 'boolean'; readonly name: string }
  | { readonly kind: 'category'; readonly name: string; readonly categories: readonly string[] }

/** Why an entered row cannot be encoded, naming the feature. */
export interface FieldProblem {
  readonly field: string
  readonly message: string
}

export type Encoded<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] }

/**
 * Appends one CSV column's model inputs for a value in its own units: a number scaled from the declared [min, max]
 * to [-1, 1] (clipped outside it), a boolean as 1 or 0, a category one-hot; missing (null) is imputed as the middle
 * of the range, 0.5, or no category. A category outside the column's list, or a value of the wrong type, is a
 * programmer error (callers check first) and throws.
 */
export function encodeColumnValue(
  column: ColumnSchema,
  value: RawValue,
  push: (input: number) => void,
): void {
  if (value === null) {
    const fill = column.type === 'boolean' ? 0.5 : 0
    for (let k = 0; k < encodedWidthOf(column); k++) push(fill)
    return
  }
  switch (column.type) {
    case 'numeric':
    case 'integer':
      if (typeof value !== 'number')
        throw new TypeError(`"${column.name}" takes a number, not ${String(value)}`)
      push(scaleToRange(value, column.min, column.max))
      return
    case 'boolean':
      if (typeof value !== 'boolean')
        throw new TypeError(`"${column.name}" takes yes/no, not ${String(value)}`)
      push(value ? 1 : 0)
      return
    case 'categorical': {
      const index = column.categories.indexOf(String(value))
      if (index === -1) throw new TypeError(`"${String(value)}" is not a category of "${column.name}"`)
      for (let k = 0; k < column.categories.length; k++) push(k === index ? 1 : 0)
      return
    }
    default: {
      const _exhaustive: never = column
      throw new Error(`unknown column type ${JSON.stringify(_exhaustive)}`)
    }
  }
}

/** The features a task's model reads, as a person enters them (one field per column, not per model input). */
export function featureFields(task: TaskInfo): FeatureField[] {
  const source = task.dataset
  switch (source.kind) {
    case 'csv':
      return source.schema.features.map((c): FeatureField => {
        if (c.type === 'boolean') return { kind: 'boolean', name: c.name }
        if (c.type === 'categorical') return { kind: 'category', name: c.name, categories: c.categories }
        return { kind: 'number', name: c.name, min: c.min, max: c.max, integer: c.type === 'integer' }
      })
    case 'demo-diabetes':
      return DIABETES_FEATURES.map((name): FeatureField => {
        const range = DIABETES_RANGES[name]
        return range.boolean
          ? { kind: 'boolean', name }
          : { kind: 'number', name, min: range.min, max: range.max, integer: false }
      })
    default: {
      const _exhaustive: never = source
      throw new Error(`unknown dataset ${JSON.stringify(_exhaustive)}`)
    }
  }
}

/**
 * What a form control's text means for its field: '' is missing; a number field's text a number (kept as text when
 * it is not one, so the refusal can quote it); a yes/no field's 'true' or 'false'; a category field's name.
 */
export function fromText(field: FeatureField, text: string): RawValue {
  const t = text.trim()
  if (t === '') return null
  if (field.kind === 'number') {
    const n = Number(t)
    return Number.isFinite(n) ? n : t
  }
  if (field.kind === 'boolean') return t === 'true' ? true : t === 'false' ? false : t
  return t
}

/** The text a form control shows for a value: the inverse of `fromText`. */
export function toText(value: RawValue): string {
  return value === null ? '' : String(value)
}

/** Whether a missing value may be entered: only for a CSV task whose schema imputes. */
function imputes(task: TaskInfo): boolean {
  return task.dataset.kind === 'csv' && task.dataset.schema.missing === 'impute'
}

/** The problem with one value for its field, or null: wrong type, outside the declared range, not a category. */
function check(field: FeatureField, value: RawValue, missingAllowed: boolean): string | null {
  if (value === null) return missingAllowed ? null : 'is missing (this task drops rows with a missing value)'
  switch (field.kind) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `"${String(value)}" is not a number`
      if (value < field.min || value > field.max)
        return `${value} is outside its declared range [${field.min}, ${field.max}]`
      if (field.integer && !Number.isInteger(value)) return `${value} is not a whole number`
      return null
    case 'boolean':
      return typeof value === 'boolean' ? null : `"${String(value)}" is not yes/no`
    case 'category':
      return typeof value === 'string' && field.categories.includes(value)
        ? null
        : `"${String(value)}" is not one of ${field.categories.join(', ')}`
    default: {
      const _exhaustive: never = field
      throw new Error(`unknown field ${JSON.stringify(_exhaustive)}`)
    }
  }
}

/**
 * A row in its own units (one value per `featureFields` entry) as the model's inputs, encoded exactly as the task's
 * training rows are. Refuses, naming each field, a value outside its declared range (training would clip it, so the
 * model would silently read another value), a wrong type, an unknown category, or a missing value the task does
 * not impute.
 */
export function encodeRawRow(task: TaskInfo, raw: readonly RawValue[]): Encoded<number[]> {
  const fields = featureFields(task)
  if (raw.length !== fields.length) {
    return {
      ok: false,
      problems: [{ field: '(row)', message: `${raw.length} values for ${fields.length} features` }],
    }
  }
  const problems: FieldProblem[] = []
  for (const [i, field] of fields.entries()) {
    const message = check(field, raw[i]!, imputes(task))
    if (message) problems.push({ field: field.name, message })
  }
  if (problems.length) return { ok: false, problems }
  const row: number[] = []
  const push = (input: number): void => {
    row.push(input)
  }
  const source = task.dataset
  if (source.kind === 'csv') {
    for (const [i, column] of source.schema.features.entries()) encodeColumnValue(column, raw[i]!, push)
  } else {
    for (const [i, name] of DIABETES_FEATURES.entries()) {
      const value = raw[i]!
      push(standardizeDiabetesFeature(name, typeof value === 'boolean' ? (value ? 1 : 0) : Number(value)))
    }
  }
  return { ok: true, value: row }
}

/** A value rounded to about 1/10,000 of its range, within the range: float32 noise removed. */
function roundInRange(value: number, min: number, max: number, integer: boolean): number {
  const clipped = Math.min(max, Math.max(min, value))
  if (integer) return Math.round(clipped)
  const step = 10 ** Math.floor(Math.log10((max - min) / 10_000))
  return Number((Math.round(clipped / step) * step).toFixed(Math.max(0, -Math.log10(step))))
}

/**
 * Model inputs back in their own units (the inverse of `encodeRawRow`, to float32 precision): numbers unscaled and
 * rounded to 1/10,000 of their range, yes/no, the hot category; an imputed input decodes to null. A value training
 * clipped decodes to the bound it was clipped to: what the model read.
 */
export function decodeModelRow(task: TaskInfo, inputs: readonly number[]): RawValue[] {
  const source = task.dataset
  if (source.kind === 'demo-diabetes') {
    return DIABETES_FEATURES.map((name, i) => {
      const { min, max, boolean } = DIABETES_RANGES[name]
      const { mean, std } = DIABETES_SCALING[name]
      const value = (inputs[i] ?? 0) * std + mean
      return boolean ? value >= 0.5 : roundInRange(value, min, max, false)
    })
  }
  let at = 0
  return source.schema.features.map((column): RawValue => {
    const width = encodedWidthOf(column)
    const slice = inputs.slice(at, at + width)
    at += width
    switch (column.type) {
      case 'numeric':
      case 'integer':
        return roundInRange(
          column.min + (((slice[0] ?? 0) + 1) / 2) * (column.max - column.min),
          column.min,
          column.max,
          column.type === 'integer',
        )
      case 'boolean':
        return slice[0] === 0.5 ? null : (slice[0] ?? 0) >= 0.5
      case 'categorical': {
        const hot = slice.indexOf(1)
        return hot === -1 ? null : column.categories[hot]!
      }
      default: {
        const _exhaustive: never = column
        throw new Error(`unknown column type ${JSON.stringify(_exhaustive)}`)
      }
    }
  })
}
