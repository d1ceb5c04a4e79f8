/**
 * The ids and keys that travel as text, each written once: the pattern, the schema that checks it at the edge,
 * and one generator of random hex ids. Hex is lowercase and of fixed length, so one value has one spelling.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { z } from 'zod'

/** `bytes` bytes as lowercase hex: `2 * bytes` digits. */
export const hexSchema = (bytes: number, what = `${bytes * 2} lowercase hex digits`) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), what)

/** An account's address: "px" and 40 hex digits (the first 20 bytes of SHA-256 of its public key). */
export const ADDRESS_PATTERN = /^px[0-9a-f]{40}$/
export const addressSchema = z.string().regex(ADDRESS_PATTERN, 'an address: "px" and 40 hex digits')

/** An Ed25519 public key (32 bytes). */
export const publicKeyHexSchema = hexSchema(32, '64 lowercase hex digits (an Ed25519 public key)')

/** An Ed25519 signature (64 bytes). */
export const signatureHexSchema = hexSchema(64, '128 lowercase hex digits (an Ed25519 signature)')

/** A P-256 public key, uncompressed ("04", then x and y): the envelope key copies and HE keys are sealed to. */
export const envelopeKeyHexSchema = z
  .string()
  .regex(/^04[0-9a-f]{128}$/, 'an uncompressed P-256 public key in hex (130 digits)')

/** A SHA-256 digest (32 bytes): of a block, a model's bytes, a delivered copy. */
export const sha256HexSchema = hexSchema(32, '64 lowercase hex digits (a SHA-256 digest)')

/** A transaction id: the SHA-256 of its signed body. */
export const txIdSchema = hexSchema(32, 'a transaction id: 64 lowercase hex digits')

/** An HE key set's id (8 random bytes, `randomHexId(8)`). */
export const KEY_ID_BYTES = 8
export const keyIdSchema = hexSchema(KEY_ID_BYTES, 'a key id: 16 lowercase hex digits')

/** A purchase on the market: "p-" and its sequence number. */
export const purchaseIdSchema = z.string().regex(/^p-\d{1,9}$/, 'a purchase id: "p-" and a number')

/** A task id as a request names it: bounded text, never empty (looked up, so an unknown one is refused there). */
export const taskIdSchema = z.string().min(1).max(100)

/** A task id as the chain records it: lowercase letters, digits and dashes. */
export const chainTaskIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a task id is lowercase letters, digits and dashes')

/** A dataset listed on the market: "ds-" and its sequence number. */
export const datasetIdSchema = z.string().regex(/^ds-\d{1,9}$/, 'a dataset id: "ds-" and a number')

/** `bytes` bytes from the platform's CSPRNG (crypto.getRandomValues) as lowercase hex: ids, challenges, tokens. */
export function randomHexId(bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)))
}
