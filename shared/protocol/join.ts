/** Joining a task: hello (with a proof of the account key) and its reply, then ready once the tab's data is loaded. */
import { z } from 'zod'
import type { Binary } from '../codec'
import { type IdentityProof, identityProofSchema } from '../identity/proof'
import { publicKeyHexSchema, signatureHexSchema, taskIdSchema } from '../ids'
import type { ClientId } from '../rounds/state'
import { binarySchema, PROTOCOL_VERSION } from './base'
import type { GlobalModelMessage, TaskStateMessage } from './rounds'
import type { Partition, TaskInfo } from './tasks'

export interface HelloRequest {
  readonly protocol: number
  readonly backend: string
  /** The task to join (from `client:tasks`). */
  readonly taskId: string
  /** The tab's Ed25519 public key (hex): its account on the chain; it signs every update. */
  readonly publicKey: string
  /**
   * The tab's P-256 public key (65 bytes) for end-to-end key envelopes: another tab seals the task's HE secret key
   * to it, and the coordinator relays bytes it cannot open.
   */
  readonly envelopeKey?: Binary
  /**
   * The account key's signature binding `envelopeKey` to this account and task (`he/envelope-identity.ts`): other
   * tabs seal the HE secret key only to a signed key, so the coordinator cannot swap it for its own.
   */
  readonly envelopeSignature?: string
  /** The account key's signature of this connection's challenge for `taskId` (`client:challenge` first). */
  readonly proof: IdentityProof
}

/** Parses to `HelloRequest` with `protocol` narrowed to this coordinator's version. */
export const helloSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION, { message: `this coordinator speaks protocol ${PROTOCOL_VERSION}` }),
  backend: z.string().min(1).max(40),
  taskId: taskIdSchema,
  publicKey: publicKeyHexSchema,
  envelopeKey: binarySchema.optional(),
  envelopeSignature: signatureHexSchema.optional(),
  proof: identityProofSchema,
}) satisfies z.ZodType<HelloRequest>

export interface HelloReply {
  readonly clientId: ClientId
  readonly task: TaskInfo
  readonly partition: Partition
  readonly model: GlobalModelMessage
  /** Largest message the coordinator accepts, in bytes. */
  readonly maxMessageBytes: number
  /** Largest frame sent without asking (`client:upload` first for larger ones). */
  readonly frameBytes: number
  /** The task's phase and protection now (then `task:state` on each change). */
  readonly state: TaskStateMessage
}

export const readySchema = z.object({
  trainExamples: z.int().min(1).max(1e9),
  testExamples: z.int().min(0).max(1e9),
})
export type ReadyRequest = Readonly<z.infer<typeof readySchema>>
