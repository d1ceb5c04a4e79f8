import { bytesToHex } from '@noble/hashes/utils.js'
import { sha256 } from '../crypto/sha256'

/**
 * The name of an anonymized copy on the chain (`market.deliver`'s `copyHash`): SHA-256 of its CSV text as UTF-8.
 * Every sale of the same copy delivers bytes with this hash, and the buyer checks the copy it opens against it. A
 * hash of a DP release is post-processing of it: it reveals nothing the copy does not.
 */
export function copyHash(csv: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(csv)))
}
