import { z } from 'zod'
import {
  datasetIdSchema as datasetId,
  envelopeKeyHexSchema,
  purchaseIdSchema as purchaseId,
  sha256HexSchema,
  chainTaskIdSchema as taskId,
} from '../../ids'
import { MAX_EPSILON_BUDGET } from '../../market/epsilon-ledger'
import { COPY_KINDS, DATASET_CATEGORIES } from '../../market/types'
import { taskSchemaSchema } from '../../tasks/schema'

/**
 * The market contract's transaction payloads, validated before the contract reads them (`market.ts`). Every field
 * added after the first market is optional, so the transactions of older chains still parse as they did.
 */

const text = (max: number) => z.string().trim().max(max)
const name = z.string().trim().min(1).max(120)
const price = z.int().min(0).max(1e12).nullable()

/** A released estimate (`DpEstimate`); optional everywhere, so listings made before intervals stay valid. */
const estimateSchema = z
  .object({ value: z.number(), scale: z.number().min(0), low: z.number(), high: z.number() })
  .refine((e) => e.low <= e.high, { message: 'low must not exceed high', path: ['low'] })
const summarySchema = z.object({
  epsilon: z.number().gt(0).max(100),
  rows: z.int().min(0).max(1e10),
  confidence: z.number().gt(0).lt(1).optional(),
  rowCount: estimateSchema.optional(),
  columns: z
    .array(
      z.object({
        name: z.string().min(1).max(200),
        kind: z.enum(['numeric', 'categorical']),
        mean: z.number().optional(),
        std: z.number().min(0).optional(),
        histogram: z
          .array(
            z.object({
              value: z.string().max(200),
              count: z.number(),
              low: z.number().optional(),
              high: z.number().optional(),
            }),
          )
          .max(1000)
          .optional(),
        meanEstimate: estimateSchema.optional(),
        variance: estimateSchema.optional(),
        countScale: z.number().min(0).optional(),
      }),
    )
    .max(2000),
})

const kindUtility = z.object({ marginalError: z.number().min(0).max(1), accuracy: z.number().min(0).max(1) })
/** `CopyUtility`: optional, so listings made before it stay valid. */
const utilitySchema = z.object({
  epsilon: z.number().gt(0).max(100),
  heldOut: z.int().min(0).max(1e10),
  majority: z.number().min(0).max(1),
  kinds: z.object({ 'per-row': kindUtility, synthetic: kindUtility }),
})
export const providerSchema = z.object({ name, description: text(2000) })
export const consumerSchema = z.object({ name })
export const listSchema = z
  .object({
    name,
    description: text(4000),
    category: z.enum(DATASET_CATEGORIES),
    tags: z.array(z.string().trim().toLowerCase().min(1).max(40)).max(20),
    schema: taskSchemaSchema,
    /** The exact row count: only on listings from before the epsilon budget (new ones publish the DP count only). */
    rows: z.int().min(1).max(1e10).optional(),
    licence: text(1000),
    copyPrice: price,
    trainingPrice: price,
    copyEpsilon: z.number().gt(0).max(100),
    trainingRounds: z.int().min(1).max(1000),
    summary: summarySchema,
    utility: utilitySchema.optional(),
    /** Absent only on listings from before the ledger, which carry `rows` instead. */
    epsilonBudget: z.number().gt(0).max(MAX_EPSILON_BUDGET).optional(),
    trainingEpsilon: z.number().gt(0).max(MAX_EPSILON_BUDGET).optional(),
  })
  .refine((l) => l.copyPrice !== null || l.trainingPrice !== null, {
    message: 'offer an anonymized copy, training access, or both (a price for at least one)',
    path: ['copyPrice'],
  })
  .refine((l) => (l.epsilonBudget === undefined) !== (l.rows === undefined), {
    message: 'set an epsilon budget; the exact row count is not published (the summary carries the DP count)',
    path: ['epsilonBudget'],
  })
  .refine(
    (l) =>
      l.epsilonBudget === undefined
        ? l.trainingEpsilon === undefined
        : (l.trainingPrice === null) === (l.trainingEpsilon === undefined),
    {
      message: "a listing with a budget that sells training names its runs' epsilon, and only then",
      path: ['trainingEpsilon'],
    },
  )
export const updateSchema = z.object({
  datasetId,
  copyPrice: price.optional(),
  trainingPrice: price.optional(),
  description: text(4000).optional(),
  tags: z.array(z.string().trim().toLowerCase().min(1).max(40)).max(20).optional(),
})
export const delistSchema = z.object({ datasetId })
export const purchaseSchema = z.object({
  datasetId,
  kind: z.enum(['copy', 'training']),
  /** The buyer's P-256 envelope key (uncompressed, hex): copies are sealed to it. */
  buyerKey: envelopeKeyHexSchema.optional(),
  /** Copies: how it is anonymized. Absent (as on chains from before synthetic copies): per-row. */
  copyKind: z
    .enum(COPY_KINDS, { error: `a copy is one of ${COPY_KINDS.map((k) => `"${k}"`).join(', ')}` })
    .optional(),
})
/** `copyHash`: SHA-256 of the copy's CSV, required on listings with a budget (every sale of a copy gets the same). */
export const deliverSchema = z.object({
  purchaseId,
  deliveryHash: sha256HexSchema,
  copyHash: sha256HexSchema.optional(),
})
export const purchaseRef = z.object({ purchaseId })
export const startTrainingSchema = z.object({ purchaseId, taskId })
export const rateSchema = z.object({
  purchaseId,
  stars: z.int().min(1).max(5),
  comment: text(1000).default(''),
})
