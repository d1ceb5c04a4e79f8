import { z } from 'zod'

/**
 * A generated column. Floats and integers are drawn from a normal around `mean` (default: the range's middle) with
 * `std` (default: a sixth of the range), clipped to [min, max]; categories by their weights; booleans with
 * probability `p`.
 */
export const generatedColumnSchema = z.discriminatedUnion('type', [
  z.object({
    name: z.string().min(1),
    type: z.literal('float'),
    min: z.number(),
    max: z.number(),
    mean: z.number().optional(),
    std: z.number().gt(0).optional(),
    decimals: z.int().min(0).max(6).default(2),
  }),
  z.object({
    name: z.string().min(1),
    type: z.literal('integer'),
    min: z.int(),
    max: z.int(),
    mean: z.number().optional(),
    std: z.number().gt(0).optional(),
  }),
  z.object({
    name: z.string().min(1),
    type: z.literal('category'),
    categories: z.array(z.string().min(1)).min(2),
    weights: z.array(z.number().min(0)).optional(),
  }),
  z.object({ name: z.string().min(1), type: z.literal('boolean'), p: z.number().min(0).max(1).default(0.5) }),
])

export type GeneratedColumn = z.input<typeof generatedColumnSchema>

/**
 * The label, driven by the features: logit = bias + sum of weight * (the feature standardized: (v - mean) / std,
 * clipped to [-3, 3]; booleans (b - p) / sqrt(p(1 - p))) + `categoryEffects[column][category]` for categories
 * + N(0, noise^2); the positive class when the logit is above 0. Centred features keep the classes balanced
 * around `bias`.
 */
export const labelSpecSchema = z.object({
  name: z.string().min(1),
  classes: z.tuple([z.string().min(1), z.string().min(1)]),
  bias: z.number().default(0),
  weights: z.record(z.string(), z.number()).default({}),
  categoryEffects: z.record(z.string(), z.record(z.string(), z.number())).default({}),
  noise: z.number().min(0).default(0.5),
})

export const dataSpecSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    category: z.enum(['user-behaviour', 'medical', 'finance', 'location', 'social-network', 'other']),
    columns: z.array(generatedColumnSchema).min(1),
    label: labelSpecSchema,
  })
  .superRefine((spec, ctx) => {
    const names = new Set(spec.columns.map((c) => c.name))
    for (const c of spec.columns) {
      if ((c.type === 'float' || c.type === 'integer') && c.min >= c.max) {
        ctx.addIssue({
          code: 'custom',
          message: `column "${c.name}": min must be below max`,
          path: ['columns'],
        })
      }
    }
    for (const name of [...Object.keys(spec.label.weights), ...Object.keys(spec.label.categoryEffects)]) {
      if (!names.has(name))
        ctx.addIssue({ code: 'custom', message: `label drives unknown column "${name}"`, path: ['label'] })
    }
    if (names.has(spec.label.name))
      ctx.addIssue({ code: 'custom', message: 'the label is also a column', path: ['label'] })
  })

export type DataSpec = z.input<typeof dataSpecSchema>
