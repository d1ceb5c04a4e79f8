/**
 * End-to-end encrypted delivery of a secret key between two tabs, through a relay (the coordinator) that cannot open
 * it: ECDH on P-256 (WebCrypto), HKDF-SHA-256 to an AES-256-GCM key, and the context (task, key id, recipient) as
 * associated data so an envelope cannot be replayed to another recipient or task. Works in browsers and Node >= 20.
 * It protects against a relay that reads; a relay that substitutes public keys (an active attacker) is outside the
 * threat model (README, "Homomorphic encryption").
 */

const HKDF_INFO = new TextEncoder().encode('privx/he-key-envelope/v1')

export interface EnvelopeKeyPair {
  /** Non-extractable: it never leaves the tab's WebCrypto store. */
  readonly privateKey: CryptoKey
  /** Uncompressed P-256 point, 65 bytes: what the tab announces. */
  readonly publicKey: Uint8Array
}

export interface KeyEnvelope {
  /** The sender's announced public key. */
  readonly senderPublicKey: Uint8Array
  readonly iv: Uint8Array
  readonly ciphertext: Uint8Array
}

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const

export async function createEnvelopeKeyPair(): Promise<EnvelopeKeyPair> {
  if (!globalThis.crypto?.subtle) {
    throw new Error(
      'WebCrypto (crypto.subtle) is unavailable: it needs a secure context (https or localhost)',
    )
  }
  const pair = await crypto.subtle.generateKey(ECDH, false, ['deriveBits'])
  const raw = await crypto.subtle.exportKey('raw', pair.publicKey)
  return { privateKey: pair.privateKey, publicKey: new Uint8Array(raw) }
}

async function sharedAesKey(own: CryptoKey, peerPublic: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  if (peerPublic.byteLength !== 65 || peerPublic[0] !== 4) {
    throw new Error(`a P-256 public key is 65 bytes starting with 0x04; got ${peerPublic.byteLength} bytes`)
  }
  const peer = await crypto.subtle.importKey('raw', peerPublic as BufferSource, ECDH, false, [])
  const secret = await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, own, 256)
  const hkdfKey = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: HKDF_INFO },
    hkdfKey,
    { name: 'AES-GCM', length: 256 },
    false,
    [usage],
  )
}

const aad = (context: string) => new TextEncoder().encode(context)

export async function sealEnvelope(
  sender: EnvelopeKeyPair,
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  context: string,
): Promise<KeyEnvelope> {
  const key = await sharedAesKey(sender.privateKey, recipientPublicKey, 'encrypt')
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: aad(context) },
    key,
    plaintext as BufferSource,
  )
  return { senderPublicKey: sender.publicKey, iv, ciphertext: new Uint8Array(ciphertext) }
}

/** Opens an envelope; a wrong recipient, context or a modified byte fails (AES-GCM authentication). */
export async function openEnvelope(
  recipient: EnvelopeKeyPair,
  envelope: KeyEnvelope,
  context: string,
): Promise<Uint8Array> {
  const key = await sharedAesKey(recipient.privateKey, envelope.senderPublicKey, 'decrypt')
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: envelope.iv as BufferSource, additionalData: aad(context) },
      key,
      envelope.ciphertext as BufferSource,
    )
    return new Uint8Array(plain)
  } catch {
    throw new Error(
      'the key envelope does not open: wrong recipient, wrong task or key id, or modified in transit',
    )
  }
}
