import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { ClientId } from './graph'
import { randomBytes } from './random'
import { getPublicKey, getSharedSecret } from './x25519'

/**
 * Key agreement for secure aggregation (Bonawitz et al. 2017, section 3.2 and figure 4, round 0): every client
 * makes two X25519 (RFC 7748) key pairs. (c_u^PK, c_u^SK) agree the key that encrypts the Shamir shares it sends
 * each peer; (s_u^PK, s_u^SK) agree the pairwise mask seed s_{u,v}. Keeping them apart is what lets the server
 * learn s_v^SK of a dropped client (to remove its pairwise masks) without learning the keys that protected the
 * shares in transit.
 *
 * The raw Diffie-Hellman value goes through HKDF-SHA256 (RFC 5869) with the round id as salt and the purpose and
 * both client ids in `info`, so a key agreed for one round, purpose or pair is never reused for another.
 */
export const KEY_BYTES = 32

export interface KeyPair {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

/** A fresh X25519 key pair (secret from crypto.getRandomValues; X25519 clamps it). */
export function generateKeyPair(): KeyPair {
  const secretKey = randomBytes(KEY_BYTES)
  return { secretKey, publicKey: getPublicKey(secretKey) }
}

/** The public key of an X25519 secret key: how the server checks a reconstructed s_v^SK against s_v^PK. */
export const publicKeyOf = (secretKey: Uint8Array): Uint8Array => getPublicKey(secretKey)

const encoder = new TextEncoder()

function info(purpose: string, first: ClientId, second: ClientId): Uint8Array {
  const label = encoder.encode(`privx/secagg/v1/${purpose}`)
  const out = new Uint8Array(label.length + 8)
  out.set(label)
  const view = new DataView(out.buffer)
  view.setUint32(label.length, first)
  view.setUint32(label.length + 4, second)
  return out
}

/**
 * X25519(secretKey, peerPublicKey). Throws when the peer's key is not 32 bytes or is a low-order point (the shared
 * value would be all zero); callers turn that into a refusal naming the peer.
 */
const agree = (secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array =>
  getSharedSecret(secretKey, peerPublicKey)

const derive = (shared: Uint8Array, roundId: string, infoBytes: Uint8Array): Uint8Array =>
  hkdf(sha256, shared, encoder.encode(roundId), infoBytes, 32)

/**
 * The AEAD keys for shares between `self` and `peer` (c keys), one Diffie-Hellman for both: `outgoing` encrypts
 * what self sends peer, `incoming` decrypts what peer sent self. Directional, so each key encrypts one message.
 */
export function shareEncryptionKeys(
  ownSecretKey: Uint8Array,
  peerPublicKey: Uint8Array,
  roundId: string,
  self: ClientId,
  peer: ClientId,
): { outgoing: Uint8Array; incoming: Uint8Array } {
  const shared = agree(ownSecretKey, peerPublicKey)
  return {
    outgoing: derive(shared, roundId, info('share-encryption', self, peer)),
    incoming: derive(shared, roundId, info('share-encryption', peer, self)),
  }
}

/**
 * The pairwise mask seed s_{u,v} (s keys): symmetric, so u and v (or the server holding either secret key) derive
 * the same seed; ids enter in ascending order.
 */
export function pairwiseMaskSeed(
  ownSecretKey: Uint8Array,
  peerPublicKey: Uint8Array,
  roundId: string,
  own: ClientId,
  peer: ClientId,
): Uint8Array {
  const [low, high] = own < peer ? [own, peer] : [peer, own]
  return derive(agree(ownSecretKey, peerPublicKey), roundId, info('pairwise-mask', low, high))
}

/** Whether `publicKey` is one X25519 accepts: 32 bytes, and not a point that makes the shared value zero. */
export function isUsablePublicKey(publicKey: unknown): publicKey is Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== KEY_BYTES) return false
  try {
    getSharedSecret(PROBE_SECRET, publicKey)
    return true
  } catch {
    return false
  }
}
/** Any fixed scalar finds a low-order point: its product with one is zero whatever the (clamped) scalar. */
const PROBE_SECRET = new Uint8Array(KEY_BYTES).fill(7)
