/**
 * Runtime checks for every payload the coordinator receives. Types in `protocol.ts` are compile-time only;
 * these schemas are the edge. Failures become `bad-payload` errors naming the offending field.
 */
import { z } from 'zod'
import { type Binary, isBinary } from './codec'
import { PROTOCOL_VERSION } from './protocol'
import { fail, ok, type Result } from './result'
import { trainingConfigPatchSchema } from './rounds/config'
import { csvTaskRequestSchema } from './tasks/csv-task'

const binary = z.custom<Binary>(isBinary, { message: 'expected binary bytes (ArrayBuffer or Buffer)' })
const count = z.int().min(0).max(1e9)
const version = z.string().min(1).max(100)

const taskId = z.string().min(1).max(100)

const signatureHex = z.string().regex(/^[0-9a-f]{128}$/, '128 lowercase hex digits (an Ed25519 signature)')
const publicKeyHex = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (an Ed25519 public key)')

/** A signed answer to this connection's challenge (`shared/identity/proof.ts`). */
export const identityProofSchema = z.object({
  timestamp: z.number().int().min(0).max(8.64e15),
  signature: signatureHex,
})

/** Events that carry nothing but their ack: no payload, or an empty object. */
export const noPayloadSchema = z.union([z.undefined(), z.object({}).strict()])

export const uploadRequestSchema = z.object({
  kind: z.enum(['update', 'inference', 'copy']),
  taskId: taskId.optional(),
  bytes: z.int().min(1).max(2 ** 31),
})

export const helloSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION, { message: `this coordinator speaks protocol ${PROTOCOL_VERSION}` }),
  backend: z.string().min(1).max(40),
  taskId,
  publicKey: publicKeyHex,
  envelopeKey: binary.optional(),
  proof: identityProofSchema,
})

const keyId = z.string().regex(/^[0-9a-f]{16}$/, 'a key id: 16 lowercase hex digits')
const signature = signatureHex

export const encryptedUpdateSchema = z.object({
  round: z.int().min(1),
  baseVersion: version,
  examples: z.int().min(1).max(1e9),
  keyId,
  ciphertexts: z.array(binary).min(1).max(100_000),
  metrics: z.object({ loss: z.number().min(0), accuracy: z.number().min(0).max(1) }),
  clamped: count,
  signature,
})

export const heKeySchema = z.object({ keyId })

export const heEnvelopeSchema = z.object({
  keyId,
  recipient: z.string().min(1).max(100),
  envelope: z.object({ senderPublicKey: binary, iv: binary, ciphertext: binary }),
})

export const inferenceRequestSchema = z.object({
  taskId,
  keyId,
  relinKeys: binary,
  galoisKeys: binary,
  length: z.int().min(1).max(4096),
  ciphertexts: z.array(binary).length(1),
})

export const readySchema = z.object({
  trainExamples: z.int().min(1).max(1e9),
  testExamples: count,
})

export const progressSchema = z.object({
  round: z.int().min(1),
  fraction: z.number().min(0).max(1),
  epoch: z.int().min(0),
  loss: z.number().optional(),
})

export const updateSchema = z.object({
  round: z.int().min(1),
  baseVersion: version,
  examples: z.int().min(1).max(1e9),
  delta: binary,
  metrics: z.object({ loss: z.number().min(0), accuracy: z.number().min(0).max(1) }),
  signature,
})

export const evaluationSchema = z.object({
  version,
  examples: count,
  lossSum: z.number().min(0),
  confusion: z.array(z.array(count).max(1000)).min(2).max(1000),
})

export const watchSchema = z.object({ taskId })

export const blockRequestSchema = z.object({ index: z.int().min(0) })

export const accountRequestSchema = z.object({
  address: z.string().regex(/^px[0-9a-f]{40}$/, 'an address: "px" and 40 hex digits'),
})

export const fundTaskSchema = z.object({ taskId, amount: z.int().min(1).max(1e12) })

export const proofRequestSchema = z.object({
  txId: z.string().regex(/^[0-9a-f]{64}$/, 'a transaction id: 64 lowercase hex digits'),
})

export const statisticsRequestSchema = z.object({ taskId, epsilon: z.number().gt(0).max(1000) })

export const statisticsReportSchema = z.object({
  requestId: z.string().min(1).max(100),
  columns: z
    .array(
      z.object({
        name: z.string().min(1).max(200),
        count: z.number(),
        sum: z.number(),
        sumSquares: z.number(),
      }),
    )
    .max(2000),
})

export const controlSchema = z.object({ taskId, action: z.enum(['start', 'pause', 'reset']) })

export const configureSchema = z.object({ taskId, patch: trainingConfigPatchSchema })

export const createTaskSchema = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('template'),
    template: z.literal('demo-diabetes'),
    name: z.string().trim().min(1).max(100).optional(),
    model: z.enum(['mlp', 'logistic']),
  }),
  csvTaskRequestSchema.extend({ source: z.literal('schema') }),
])

/** Parses `payload` with `schema`; a failure names each bad field, e.g. "round: expected int, received string". */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, what: string): Result<T> {
  const parsed = schema.safeParse(payload)
  if (parsed.success) return ok(parsed.data)
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ')
  return fail('bad-payload', `invalid ${what}: ${problems}`)
}
