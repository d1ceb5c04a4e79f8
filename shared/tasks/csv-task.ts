import { z } from 'zod'
import type { ModelSpec } from '../model/spec'
import type { TaskInfo } from '../protocol/tasks'
import { encodedFeatureNames, encodedWidth, type TaskSchema, taskSchemaSchema } from './schema'

/** A task's stake (`TaskStake`), as the page or the command line asks for it. */
export const taskStakeSchema = z.object({
  tokens: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  slashPercent: z.int().min(1).max(100).optional(),
})

/** What the coordinator page sends to create a task from a schema. */
export const csvTaskRequestSchema = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(1000).default(''),
  schema: taskSchemaSchema,
  model: z.object({
    kind: z.enum(['mlp', 'logistic']),
    hidden: z.array(z.int().min(1).max(1024)).min(1).max(6).default([16, 8]),
  }),
  stake: taskStakeSchema.optional(),
})

export type CsvTaskRequest = z.input<typeof csvTaskRequestSchema>

/** The model a schema implies: inputs = encoded width, one output per class (one sigmoid for two). */
export function modelForSchema(
  schema: TaskSchema,
  model: { kind: 'mlp' | 'logistic'; hidden: readonly number[] },
): ModelSpec {
  const inputs = encodedWidth(schema)
  const classes = schema.label.classes.length
  return model.kind === 'mlp'
    ? { kind: 'mlp', inputs, hidden: [...model.hidden], activation: 'relu', classes }
    : { kind: 'logistic', inputs, classes }
}

export function csvTask(id: string, request: z.output<typeof csvTaskRequestSchema>): TaskInfo {
  return {
    id,
    name: request.name,
    description:
      request.description ||
      `Train on your own CSV: ${request.schema.label.name} from ${request.schema.features.length} columns.`,
    features: encodedFeatureNames(request.schema),
    classNames: [...request.schema.label.classes],
    model: modelForSchema(request.schema, request.model),
    dataset: { kind: 'csv', schema: request.schema },
    ...(request.stake ? { stake: request.stake } : {}),
  }
}
