import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { bytesOf } from '../codec'
import type { KeyEnvelopeMessage } from '../protocol/encryption'

/** The hash a `market.deliver` transaction names: SHA-256 over the sender key, IV and ciphertext, in that order. */
export function sealedHash(sealed: KeyEnvelopeMessage): string {
  const h = sha256.create()
  for (const part of [sealed.senderPublicKey, sealed.iv, sealed.ciphertext]) h.update(bytesOf(part))
  return bytesToHex(h.digest())
}
