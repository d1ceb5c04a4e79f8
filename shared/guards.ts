/**
 * Re-exports only: each wire schema now sits beside its type in `shared/protocol/` (and the identity proof's in
 * `identity/proof.ts`); `parsePayload` is in `parse.ts`. This module keeps existing imports working; new code
 * imports those files, and no file in `shared/protocol/` imports this one.
 */
export { identityProofSchema } from './identity/proof'
export { parsePayload } from './parse'
export { noPayloadSchema } from './protocol/base'
export {
  accountRequestSchema,
  blockRequestSchema,
  fundTaskSchema,
  proofRequestSchema,
} from './protocol/chain'
export { configureSchema, controlSchema, createTaskSchema, watchSchema } from './protocol/dashboard'
export {
  encryptedUpdateSchema,
  heEnvelopeSchema,
  heKeySchema,
  inferenceRequestSchema,
} from './protocol/encryption'
export { helloSchema, readySchema } from './protocol/join'
export { statisticsReportSchema, statisticsRequestSchema } from './protocol/statistics'
export { declineSchema, evaluationSchema, progressSchema, updateSchema } from './protocol/training'
export { uploadRequestSchema } from './protocol/uploads'
