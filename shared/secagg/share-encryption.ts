import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { ClientId } from './graph'
import { randomBytes } from './random'
import { SHARE_BYTES } from './shamir'

/**
 * The encrypted share message of Bonawitz et al. 2017, figure 4, round 1: e_{u,v} = AE.enc(c_{u,v},
 * u || v || s_{u,v}^SK || b_{u,v}), sent through the server to v. ChaCha20-Poly1305 (RFC 8439) under the
 * directional key from `shareEncryptionKey`, with a random 96-bit nonce carried in front, and the protocol label,
 * round id and both ids as associated data: a ciphertext replayed into another round, or claimed by another
 * sender or receiver, fails authentication. The ids are also inside the plaintext, as in the paper, and checked.
 *
 * Layout: nonce (12) || ChaCha20-Poly1305(sender u32 BE || receiver u32 BE || b-share (33) || sk-share (33)) || tag
 * (16): 102 bytes.
 */
export interface SharePair {
  /** This receiver's share of the sender's self-mask seed b_u. */
  readonly selfMaskSeedShare: Uint8Array
  /** This receiver's share of the sender's mask secret key s_u^SK. */
  readonly maskKeyShare: Uint8Array
}

const NONCE_BYTES = 12
const TAG_BYTES = 16
const PLAINTEXT_BYTES = 8 + 2 * SHARE_BYTES
export const ENCRYPTED_SHARES_BYTES = NONCE_BYTES + PLAINTEXT_BYTES + TAG_BYTES

const encoder = new TextEncoder()

function associatedData(roundId: string, sender: ClientId, receiver: ClientId): Uint8Array {
  const label = encoder.encode(`privx/secagg/v1/shares\0${roundId}\0`)
  const out = new Uint8Array(label.length + 8)
  out.set(label)
  const view = new DataView(out.buffer)
  view.setUint32(label.length, sender)
  view.setUint32(label.length + 4, receiver)
  return out
}

export function encryptShares(
  key: Uint8Array,
  roundId: string,
  sender: ClientId,
  receiver: ClientId,
  shares: SharePair,
): Uint8Array {
  const plaintext = new Uint8Array(PLAINTEXT_BYTES)
  const view = new DataView(plaintext.buffer)
  view.setUint32(0, sender)
  view.setUint32(4, receiver)
  plaintext.set(shares.selfMaskSeedShare, 8)
  plaintext.set(shares.maskKeyShare, 8 + SHARE_BYTES)
  const nonce = randomBytes(NONCE_BYTES)
  const sealed = chacha20poly1305(key, nonce, associatedData(roundId, sender, receiver)).encrypt(plaintext)
  const out = new Uint8Array(NONCE_BYTES + sealed.length)
  out.set(nonce)
  out.set(sealed, NONCE_BYTES)
  return out
}

/**
 * The shares inside `ciphertext`, or a message saying why not (wrong length, failed authentication: tampered,
 * wrong key, another round or pair; ids inside that disagree with the claimed ones).
 */
export function decryptShares(
  key: Uint8Array,
  roundId: string,
  sender: ClientId,
  receiver: ClientId,
  ciphertext: Uint8Array,
): { ok: true; shares: SharePair } | { ok: false; reason: string } {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== ENCRYPTED_SHARES_BYTES) {
    return { ok: false, reason: `encrypted shares are ${ENCRYPTED_SHARES_BYTES} bytes` }
  }
  let plaintext: Uint8Array
  try {
    plaintext = chacha20poly1305(
      key,
      ciphertext.subarray(0, NONCE_BYTES),
      associatedData(roundId, sender, receiver),
    ).decrypt(ciphertext.subarray(NONCE_BYTES))
  } catch {
    return { ok: false, reason: `shares from ${sender} to ${receiver} fail authentication` }
  }
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)
  if (view.getUint32(0) !== sender || view.getUint32(4) !== receiver) {
    return { ok: false, reason: `shares from ${sender} to ${receiver} name other clients inside` }
  }
  return {
    ok: true,
    shares: {
      selfMaskSeedShare: plaintext.slice(8, 8 + SHARE_BYTES),
      maskKeyShare: plaintext.slice(8 + SHARE_BYTES),
    },
  }
}
