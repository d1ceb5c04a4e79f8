import { sha256 } from '@noble/hashes/sha2.js'
import type { ClientId } from './graph'

/**
 * A commitment to a client's self-mask seed b_u, sent with its encrypted shares (round 1). Not in Bonawitz et al.
 * 2017: it lets the server tell a b_u rebuilt from a wrong share (a hostile holder's) from the real one, and abandon
 * the round with that reason instead of releasing a sum with a stray mask in it. It reveals nothing useful: b_u is
 * 256 uniformly random bits, so SHA-256 of it (modelled as a random oracle) hides it. The mask secret key needs no
 * commitment: s_u^PK, advertised in round 0, already pins s_u^SK.
 */
export function selfMaskCommitment(roundId: string, owner: ClientId, selfMaskSeed: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode(`privx/secagg/v1/self-mask-commitment\0${roundId}\0`)
  const message = new Uint8Array(label.length + 4 + selfMaskSeed.length)
  message.set(label)
  new DataView(message.buffer).setUint32(label.length, owner)
  message.set(selfMaskSeed, label.length + 4)
  return sha256(message)
}

/** Constant-time equality of two byte strings (a mismatch position leaks nothing). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}
