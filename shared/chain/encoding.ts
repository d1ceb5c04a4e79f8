import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import canonicalize from 'canonicalize'
import { sha256 } from '../crypto/sha256'

/** JSON values the chain stores: no undefined, no functions, finite numbers only. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json }

/**
 * The one byte encoding of anything hashed or signed: RFC 8785 JSON Canonicalization (sorted keys, fixed number
 * format, no whitespace). Refuses non-finite numbers, which JSON cannot carry.
 */
export function canonicalBytes(value: Json): Uint8Array {
  const text = canonicalize(value)
  if (text === undefined) throw new Error('value cannot be canonicalized')
  return utf8ToBytes(text)
}

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes))
}

/** SHA-256 of the canonical encoding, hex. */
export function hashOf(value: Json): string {
  return sha256Hex(canonicalBytes(value))
}

export { bytesToHex, hexToBytes }
