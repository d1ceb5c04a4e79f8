import { bytesToHex } from '@noble/hashes/utils.js'
import { bytesOf } from '../codec'
import { sha256Parts } from '../crypto/sha256'
import type { KeyEnvelopeMessage } from '../protocol/encryption'

/** The hash a `market.deliver` transaction names: SHA-256 over the sender key, IV and ciphertext, in that order. */
export function sealedHash(sealed: KeyEnvelopeMessage): string {
  return bytesToHex(sha256Parts([sealed.senderPublicKey, sealed.iv, sealed.ciphertext].map(bytesOf)))
}
