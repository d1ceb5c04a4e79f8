import { z } from 'zod'
import { type Binary, isBinary } from '../codec'
import type { ProtocolError, Result } from '../result'

/** Sent in `client:hello`; a coordinator refuses a tab that speaks another version. */
export const PROTOCOL_VERSION = 1

/** Every request's last argument: the answer, a value or an error with a string-union code. */
export type Ack<T> = (result: Result<T, ProtocolError>) => void

/** Bytes as socket.io delivers them (`codec.ts`): weights, deltas, ciphertexts travel this way, never as JSON. */
export const binarySchema = z.custom<Binary>(isBinary, {
  message: 'expected binary bytes (ArrayBuffer or Buffer)',
})

/** Events that carry nothing but their ack: no payload, or an empty object. */
export const noPayloadSchema = z.union([z.undefined(), z.object({}).strict()])

/** A request with no fields (the payload of an event that only asks). */
export type EmptyRequest = Record<string, never>

export interface Notice {
  readonly level: 'info' | 'warning' | 'error'
  readonly text: string
}
