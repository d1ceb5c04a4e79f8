/** The wire of homomorphic encryption: the key protocol, encrypted updates and aggregates, private predictions. */
import { z } from 'zod'
import type { Binary } from '../codec'
import type { SignedEnvelopeKey } from '../he/envelope-identity'
import type { HePresetName } from '../he/parameters'
import { keyIdSchema, sha256HexSchema, signatureHexSchema, taskIdSchema } from '../ids'
import type { ModelVersion } from '../model/version'
import { binarySchema } from './base'
import { type LocalTrainMetrics, localTrainMetricsSchema, modelVersionSchema } from './training'

/** An update under encryption: ciphertexts of the quantized, weighted delta, bound to the sender by signature. */
export interface EncryptedUpdateMessage {
  readonly round: number
  readonly baseVersion: ModelVersion
  readonly examples: number
  readonly keyId: string
  readonly ciphertexts: readonly Binary[]
  /** Local training loss and accuracy; left out under DP (README, "What leaves a tab"). */
  readonly metrics?: LocalTrainMetrics
  /** Coordinates the clamp changed (reported: the coordinator cannot see them). */
  readonly clamped: number
  /** Ed25519 signature of { taskId, round, updateHash = SHA-256 of the ciphertexts concatenated }. */
  readonly signature: string
}

/** Parses to `EncryptedUpdateMessage` (its arrays read-only, which zod's output type cannot say without freezing). */
export const encryptedUpdateSchema = z.object({
  round: z.int().min(1),
  baseVersion: modelVersionSchema,
  examples: z.int().min(1).max(1e9),
  keyId: keyIdSchema,
  ciphertexts: z.array(binarySchema).min(1).max(100_000),
  metrics: localTrainMetricsSchema.optional(),
  clamped: z.int().min(0).max(1e9),
  signature: signatureHexSchema,
}) satisfies z.ZodType<EncryptedUpdateMessage>

export const keyEnvelopeSchema = z.object({
  senderPublicKey: binarySchema,
  iv: binarySchema,
  ciphertext: binarySchema,
})
/** A secret key sealed to one tab's envelope key (ECDH P-256 + AES-GCM, `he/key-envelope.ts`). */
export type KeyEnvelopeMessage = Readonly<z.infer<typeof keyEnvelopeSchema>>

/**
 * The tab holds the task's HE key `keyId` (generated, or opened from an envelope); or, with `failed`, it could not
 * open the envelope it was sent (the coordinator asks another holder to seal it again).
 */
export const heKeySchema = z.object({ keyId: keyIdSchema, failed: z.string().min(1).max(300).optional() })
export type HeKeyRequest = Readonly<z.infer<typeof heKeySchema>>

/** A key holder's sealed copy of the secret key for `recipient`, to relay. */
export const heEnvelopeSchema = z.object({
  keyId: keyIdSchema,
  recipient: z.string().min(1).max(100),
  envelope: keyEnvelopeSchema,
})
export type HeEnvelopeRequest = Readonly<z.infer<typeof heEnvelopeSchema>>

/** A private prediction: features encrypted under the tab's own inference key, evaluated by the model holder. */
export interface InferenceRequest {
  readonly taskId: string
  readonly keyId: string
  readonly relinKeys: Binary
  readonly galoisKeys: Binary
  readonly length: number
  readonly ciphertexts: readonly Binary[]
}

export const inferenceRequestSchema = z.object({
  taskId: taskIdSchema,
  keyId: keyIdSchema,
  relinKeys: binarySchema,
  galoisKeys: binarySchema,
  length: z.int().min(1).max(4096),
  ciphertexts: z.array(binarySchema).length(1),
}) satisfies z.ZodType<InferenceRequest>

export interface InferenceReply {
  readonly modelVersion: ModelVersion
  readonly ciphertexts: readonly Binary[]
  readonly sigmoid: string
}

/** How a round's updates are encrypted: the tab quantizes (BFV), encrypts under `keyId` and uploads ciphertexts. */
export interface RoundEncryptionMessage {
  readonly keyId: string
  readonly preset: HePresetName
  /** BFV fixed-point bits (`planQuantization`); 0 for CKKS. */
  readonly fractionBits: number
  /** Each coordinate is clamped to [-clamp, clamp] before encoding. */
  readonly clamp: number
  /** FedAvg weighs an update by its examples; a DP round by 1 (the sum goes over a fixed denominator). */
  readonly weighting: 'examples' | 'unit'
  readonly maxWeight: number
}

/** An encrypted sum of updates: what every key-holding tab decrypts to move to the next global model. */
export interface EncryptedAggregateMessage {
  /** Round of the model this aggregate produces, and its version (a hash over the ciphertexts). */
  readonly round: number
  readonly version: ModelVersion
  readonly previousVersion: ModelVersion
  readonly keyId: string
  readonly preset: HePresetName
  readonly fractionBits: number
  /** The average is the decrypted sum over this: examples summed (FedAvg) or the DP denominator. */
  readonly totalWeight: number
  readonly participants: number
  readonly length: number
  readonly ciphertexts: readonly Binary[]
  readonly sumHash: string
}

/** Generate the task's HE key set (this tab was picked), then say `client:he-key`. */
export interface KeyGenerateMessage {
  readonly keyId: string
  readonly preset: HePresetName
}

/** Seal the secret key of `keyId` to `recipientKey` (its envelope key) and send it back with `client:he-envelope`. */
export interface KeyShareMessage {
  readonly keyId: string
  readonly recipient: string
  readonly recipientKey: Binary
  /** The account that signed `recipientKey` (it must be in the task's key set, `he:key-set`); no account: not sealed. */
  readonly recipientAccount?: string
}

/**
 * The task's envelope keys, each signed by its tab's account (`he/envelope-identity.ts`): sent to every tab with an
 * envelope key when the set changes, before any `he:key-share` that needs the change. Tabs verify each entry and
 * show the set's fingerprint.
 */
export interface EnvelopeKeySetMessage {
  readonly keys: readonly SignedEnvelopeKey[]
}

/** A sealed key from another tab, relayed: open it, then say `client:he-key`. */
export interface KeyEnvelopeDelivery {
  readonly keyId: string
  readonly preset: HePresetName
  readonly envelope: KeyEnvelopeMessage
}

/** Seal the model this tab holds at `version` under `keyId` as a checkpoint, and send it with `client:he-checkpoint`. */
export interface CheckpointRequest {
  readonly round: number
  readonly version: ModelVersion
  readonly keyId: string
}

/**
 * A key holder's encrypted copy of the model at `version` (`he/checkpoint.ts`: each float32 weight's bits as one
 * word): a late tab decrypts it instead of replaying every aggregate since the last model in the clear.
 */
export const checkpointUploadSchema = z.object({
  round: z.int().min(1),
  version: modelVersionSchema,
  keyId: keyIdSchema,
  /** SHA-256 of the weights' float32 bytes (`weightsDigest`): what the decrypting tab must find. */
  digest: sha256HexSchema,
  ciphertexts: z.array(binarySchema).min(1).max(1000),
})
export type CheckpointUpload = Readonly<z.infer<typeof checkpointUploadSchema>>

/** A checkpoint as a late tab (or a verifier) receives it: the upload and how to read it. */
export interface EncryptedCheckpointMessage extends CheckpointUpload {
  readonly preset: HePresetName
  readonly length: number
}

/**
 * A key holder asked to verify a checkpoint decrypts it and compares it with the model it holds at that version:
 * `match`, `mismatch` (with the reason), or `unavailable` (it no longer holds that version).
 */
export const checkpointVerdictSchema = z.object({
  version: modelVersionSchema,
  outcome: z.enum(['match', 'mismatch', 'unavailable']),
  reason: z.string().min(1).max(300).optional(),
})
export type CheckpointVerdictReport = Readonly<z.infer<typeof checkpointVerdictSchema>>

/**
 * The next part of the encrypted history for a late tab: after `after` (a model version it holds), or from the
 * start (null: the latest checkpoint, or the last model in the clear, and the aggregates that follow).
 */
export const replayRequestSchema = z.object({ after: modelVersionSchema.nullable() })
export type ReplayRequest = Readonly<z.infer<typeof replayRequestSchema>>

/** One part of the replay, bounded in ciphertexts and bytes; `more` says another part follows. */
export interface ReplayChunk {
  readonly checkpoint: EncryptedCheckpointMessage | null
  readonly aggregates: readonly EncryptedAggregateMessage[]
  readonly more: boolean
}
