import { z } from 'zod'

/**
 * The schema of a CSV training task: which columns are features (and how to read and scale them), which column is
 * the label and its classes, and what to do with missing values. Every tab encodes its rows with this schema alone,
 * so feature scaling is identical everywhere: numeric columns are scaled from their declared [min, max] to [-1, 1].
 */

/** Names that would reach Object.prototype if ever used as keys; refused outright. */
export const RESERVED_COLUMN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

const columnName = z
  .string()
  .trim()
  .min(1, 'a column name cannot be empty')
  .max(200)
  .refine((name) => !RESERVED_COLUMN_NAMES.has(name), {
    message: 'is a reserved name (__proto__, constructor, prototype)',
  })

const ranged = <T extends 'numeric' | 'integer'>(type: T) =>
  z
    .object({ name: columnName, type: z.literal(type), min: z.number(), max: z.number() })
    .refine((c) => c.min < c.max, { message: 'min must be below max', path: ['max'] })

const distinct = (values: readonly string[]): boolean => new Set(values).size === values.length

/** The column types a schema supports (`columnSchema`). */
export const COLUMN_TYPES = ['numeric', 'integer', 'boolean', 'categorical'] as const

/** One feature column; discriminated by `type`, so a wrong type is reported as such, with the allowed ones. */
export const columnSchema = z.discriminatedUnion(
  'type',
  [
    ranged('numeric'),
    ranged('integer'),
    z.object({ name: columnName, type: z.literal('boolean') }),
    z.object({
      name: columnName,
      type: z.literal('categorical'),
      categories: z
        .array(z.string().trim().min(1))
        .min(2)
        .max(1000)
        .refine(distinct, { message: 'categories must be distinct' }),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `must be one of ${COLUMN_TYPES.join(', ')}` : undefined,
  },
)

export type ColumnSchema = z.infer<typeof columnSchema>

export const taskSchemaSchema = z
  .object({
    features: z.array(columnSchema).min(1).max(2000),
    label: z.object({
      name: columnName,
      classes: z
        .array(z.string().trim().min(1))
        .min(2)
        .max(1000)
        .refine(distinct, { message: 'classes must be distinct' }),
    }),
    /** drop-row: a row with a missing feature is dropped (and reported). impute: numeric gets the middle of its
     * range, boolean 0.5, categorical no category. A missing label always drops the row. */
    missing: z.enum(['drop-row', 'impute']).default('drop-row'),
  })
  .superRefine((schema, ctx) => {
    const names = [...schema.features.map((f) => f.name), schema.label.name]
    const seen = new Set<string>()
    for (const name of names) {
      if (seen.has(name))
        ctx.addIssue({ code: 'custom', message: `column "${name}" appears twice`, path: ['features'] })
      seen.add(name)
    }
  })

export type TaskSchema = z.infer<typeof taskSchemaSchema>

/** Inputs one column contributes to the model: one, or one per category (one-hot). */
export function encodedWidthOf(column: ColumnSchema): number {
  return column.type === 'categorical' ? column.categories.length : 1
}

export function encodedWidth(schema: TaskSchema): number {
  return schema.features.reduce((sum, column) => sum + encodedWidthOf(column), 0)
}

/** Names of the model inputs, e.g. "age", "smoker", "region=north". */
export function encodedFeatureNames(schema: TaskSchema): string[] {
  return schema.features.flatMap((c) =>
    c.type === 'categorical' ? c.categories.map((k) => `${c.name}=${k}`) : [c.name],
  )
}

/** Scales a value from its declared range to [-1, 1], clipping outside it. */
export function scaleToRange(value: number, min: number, max: number): number {
  return Math.min(1, Math.max(-1, ((value - min) / (max - min)) * 2 - 1))
}
