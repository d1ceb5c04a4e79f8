import { z } from 'zod'

/**
 * A model as data: the coordinator and every tab agree on it, and the tab builds it with tfjs layers.
 * Binary tasks (classes = 2) use one sigmoid output; multi-class tasks a softmax over `classes` outputs.
 */
export const modelSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('logistic'),
    inputs: z.int().min(1).max(100_000),
    classes: z.int().min(2).max(1000),
  }),
  z.object({
    kind: z.literal('mlp'),
    inputs: z.int().min(1).max(100_000),
    hidden: z.array(z.int().min(1).max(4096)).min(1).max(8).readonly(),
    activation: z.enum(['relu', 'tanh']),
    classes: z.int().min(2).max(1000),
  }),
])

export type ModelSpec = z.infer<typeof modelSpecSchema>

/** One dense layer of the model, in the order tfjs `model.getWeights()` lists its tensors. */
export type DenseLayer = { readonly inputs: number; readonly units: number }

/** Width of the output layer: one unit for binary tasks, one per class otherwise. */
export function outputUnits(spec: ModelSpec): number {
  return spec.classes === 2 ? 1 : spec.classes
}

/** The dense layers, input to output. */
export function denseLayers(spec: ModelSpec): DenseLayer[] {
  const widths =
    spec.kind === 'mlp' ? [spec.inputs, ...spec.hidden, outputUnits(spec)] : [spec.inputs, outputUnits(spec)]
  return widths.slice(1).map((units, i) => ({ inputs: widths[i]!, units }))
}

/**
 * Tensor shapes of the flat weight vector, in order: for each dense layer its kernel [inputs, units],
 * then its bias [units]. This order is the wire layout of every weight vector and delta.
 */
export function weightShapes(spec: ModelSpec): number[][] {
  return denseLayers(spec).flatMap((layer) => [[layer.inputs, layer.units], [layer.units]])
}

/** Total number of trainable parameters. */
export function parameterCount(spec: ModelSpec): number {
  return weightShapes(spec).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0)
}

/** A one-line description, e.g. "MLP 8-16-8-1 (relu), 297 parameters". */
export function describeModel(spec: ModelSpec): string {
  const layers = denseLayers(spec)
  const widths = [spec.inputs, ...layers.map((l) => l.units)].join('-')
  const name = spec.kind === 'mlp' ? `MLP ${widths} (${spec.activation})` : `Logistic regression ${widths}`
  return `${name}, ${parameterCount(spec)} parameters`
}
