/**
 * Re-exports only: the wire lives in `shared/protocol/`, one file a concern (`base` acks and version, `tasks`,
 * `join`, `training`, `rounds`, `encryption` keys and HE, `statistics`, `uploads`, `chain`, `market`, `dashboard`,
 * and `events`, the socket.io event maps), each type beside the zod schema that checks it at the coordinator.
 * This module keeps existing imports working; new code imports the concern's file, and no file in
 * `shared/protocol/` imports this one.
 */
export * from './protocol/base'
export * from './protocol/chain'
export * from './protocol/dashboard'
export * from './protocol/encryption'
export * from './protocol/events'
export * from './protocol/join'
export * from './protocol/market'
export * from './protocol/rounds'
export * from './protocol/statistics'
export * from './protocol/tasks'
export * from './protocol/training'
export * from './protocol/uploads'
