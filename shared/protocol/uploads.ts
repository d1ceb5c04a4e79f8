/** Room for a frame over the coordinator's base cap: asked for first, granted once an upload slot is free. */
import { z } from 'zod'
import { purchaseIdSchema, taskIdSchema } from '../ids'

export const uploadRequestSchema = z.object({
  kind: z.enum(['update', 'inference', 'copy']),
  /** The task of an update or a private prediction. */
  taskId: taskIdSchema.optional(),
  /** The purchase a sealed copy delivers (a copy over the base cap is room only for a purchase awaiting it). */
  purchaseId: purchaseIdSchema.optional(),
  /** Size of the largest frame about to be sent (one binary attachment). */
  bytes: z
    .int()
    .min(1)
    .max(2 ** 31),
})
export type UploadRequest = Readonly<z.infer<typeof uploadRequestSchema>>

/** What a connection asks room for before sending a frame over the coordinator's base cap. */
export type UploadKind = UploadRequest['kind']

export interface UploadGrantMessage {
  /** This connection may send frames up to this size until its upload arrives or `expiresAt`. */
  readonly bytes: number
  readonly expiresAt: number
}
