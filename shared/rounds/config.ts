import { z } from 'zod'

/** What the coordinator page can set. Changes apply from the next round on. */
export const trainingConfigSchema = z.object({
  /** Rounds to complete (aggregated rounds; abandoned ones do not count). */
  rounds: z.int().min(1).max(100_000),
  localEpochs: z.int().min(1).max(1000),
  batchSize: z.int().min(1).max(65_536),
  learningRate: z.number().gt(0).max(10),
  optimizer: z.enum(['adam', 'sgd']),
  /** Clients sampled for a round; 0 takes every ready client. */
  clientsPerRound: z.int().min(0).max(100_000),
  /** Ready clients needed before a round starts. */
  minClients: z.int().min(1).max(100_000),
  /** Share of a round's selected clients whose updates must arrive for the round to be aggregated. */
  quorumFraction: z.number().gt(0).max(1),
  roundDeadlineMs: z
    .int()
    .min(1000)
    .max(24 * 3600 * 1000),
})

export type TrainingConfig = z.infer<typeof trainingConfigSchema>

/** A change from the coordinator page: any subset of the fields. */
export const trainingConfigPatchSchema = trainingConfigSchema.partial().strict()
export type TrainingConfigPatch = z.infer<typeof trainingConfigPatchSchema>

export const defaultTrainingConfig: TrainingConfig = {
  rounds: 10,
  localEpochs: 2,
  batchSize: 32,
  learningRate: 0.01,
  optimizer: 'adam',
  clientsPerRound: 0,
  minClients: 2,
  quorumFraction: 0.5,
  roundDeadlineMs: 60_000,
}

/** Updates needed to aggregate a round with `selected` clients: at least one. */
export function quorumFor(config: TrainingConfig, selected: number): number {
  return Math.max(1, Math.ceil(config.quorumFraction * selected - 1e-9))
}
