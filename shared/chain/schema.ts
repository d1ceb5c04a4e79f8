import { z } from 'zod'
import { addressSchema, hexSchema as hex } from '../ids'

/**
 * The exact shape of stored blocks and submitted transactions: known keys only, and hex in lowercase of fixed
 * length. Decoders accept other spellings of the same bytes (upper-case hex); requiring one spelling keeps every
 * stored byte meaningful, so no edit can pass unnoticed.
 */
export const transactionSchema = z
  .object({
    id: hex(32),
    signature: hex(64),
    body: z
      .object({
        chainId: z.string().min(1).max(100),
        from: addressSchema,
        publicKey: hex(32),
        nonce: z.int().min(0),
        type: z.string().regex(/^[a-z]+\.[a-z-]+$/),
        payload: z.unknown(),
        timestamp: z.number(),
      })
      .strict(),
  })
  .strict()

export const blockSchema = z
  .object({
    header: z
      .object({
        chainId: z.string().min(1).max(100),
        index: z.int().min(0),
        previousHash: hex(32),
        timestamp: z.number(),
        txRoot: hex(32),
        txCount: z.int().min(0),
        stateRoot: hex(32),
        stateVersion: z.literal(2).optional(),
        producer: hex(32),
      })
      .strict(),
    hash: hex(32),
    signature: hex(64),
    transactions: z.array(transactionSchema),
  })
  .strict()

/** The head checkpoint file (see checkpoint.ts). */
export const checkpointSchema = z
  .object({
    chainId: z.string().min(1).max(100),
    height: z.int().min(1),
    head: hex(32),
    timestamp: z.number(),
    producer: hex(32),
    signature: hex(64),
  })
  .strict()
