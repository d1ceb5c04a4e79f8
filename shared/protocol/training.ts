import { z } from 'zod'
import { signatureHexSchema } from '../ids'
import { binarySchema } from './base'

/** A model version as it travels ("r3-1f2e3d4c5b6a", `model/version.ts`): bounded text, checked against state. */
export const modelVersionSchema = z.string().min(1).max(100)

/** A count of examples or of confusion-matrix cells. */
const count = z.int().min(0).max(1e9)

export const localTrainMetricsSchema = z.object({
  loss: z.number().min(0),
  accuracy: z.number().min(0).max(1),
})
export type LocalTrainMetrics = Readonly<z.infer<typeof localTrainMetricsSchema>>

/** Local training's progress; a tab training under DP sends none (its pace and loss would leak outside epsilon). */
export const progressSchema = z.object({
  round: z.int().min(1),
  /** Share of this round's local training done, 0 to 1. */
  fraction: z.number().min(0).max(1),
  epoch: z.int().min(0),
  loss: z.number().optional(),
})
export type ProgressReport = Readonly<z.infer<typeof progressSchema>>

/**
 * A selected tab sits the round out, and says why (a round below the protection it joined under, or past its own
 * budget): the round need not wait for its deadline. Only the reason travels, no data.
 */
export const declineSchema = z.object({
  round: z.int().min(1),
  reason: z.string().min(1).max(300),
})
export type DeclineReport = Readonly<z.infer<typeof declineSchema>>

export const updateSchema = z.object({
  round: z.int().min(1),
  /** Version of the global model the client trained from. */
  baseVersion: modelVersionSchema,
  /** Training examples behind this update: its FedAvg weight. */
  examples: z.int().min(1).max(1e9),
  /** Local weights minus the global weights, float32, in `weightShapes` order. */
  delta: binarySchema,
  /**
   * Loss and accuracy of local training on the tab's own rows, unnoised: left out under DP (client-level or
   * DP-SGD), where they would leak outside epsilon (README, "What leaves a tab").
   */
  metrics: localTrainMetricsSchema.optional(),
  /** Ed25519 signature of { taskId, round, updateHash = SHA-256(delta bytes) } by the key given in hello. */
  signature: signatureHexSchema,
})
export type UpdateMessage = Readonly<z.infer<typeof updateSchema>>

/** A tab's evaluation of one global model on its held-out split: counts, so sums are exact. */
export const evaluationSchema = z.object({
  version: modelVersionSchema,
  examples: count,
  lossSum: z.number().min(0),
  confusion: z.array(z.array(count).max(1000)).min(2).max(1000),
})
export type EvaluationReport = Readonly<z.infer<typeof evaluationSchema>>
