import { bytesToHex, canonicalBytes, sha256Hex } from '../chain/encoding'
import { type KeyPair, sign, verifySignature } from '../chain/keys'

/**
 * Envelope keys bound to accounts. A tab's P-256 envelope key (`key-envelope.ts`) is what another tab seals the
 * task's HE secret key to; unsigned, a coordinator that relays it could announce its own key in a tab's name and
 * read the secret key (a key-substitution attack). Here each tab signs { purpose, taskId, account, envelopeKey }
 * with its account key (Ed25519, the key its hello proved), so:
 *
 * - a tab seals the secret key only to an envelope key whose signature verifies for the account the coordinator
 *   names, and only when that (account, key) is in the task's key set it was shown: the coordinator cannot swap a
 *   participant's key for its own without that participant's account key;
 * - a tab opens an envelope only from a sender key in that set;
 * - each tab shows a fingerprint of the whole set, which people compare out of band (as Signal's safety numbers):
 *   a coordinator that shows tabs different sets (a swap under an account it controls, a participant hidden from
 *   some tabs) shows them different fingerprints.
 *
 * What it does not stop: a coordinator adding an account of its own as a participant that every tab sees. That
 * account is in the set, so in the fingerprint every tab shows alike: the people who compare must also count the
 * accounts (the tab lists them).
 */
export interface SignedEnvelopeKey {
  /** The account (Ed25519 public key, hex) that signed. */
  readonly account: string
  /** The uncompressed P-256 public key, hex (130 digits). */
  readonly envelopeKey: string
  /** Ed25519 signature, hex, of `envelopeKeyStatement(taskId, account, envelopeKey)`. */
  readonly signature: string
}

const PURPOSE = 'privx-envelope-key'

export function envelopeKeyStatement(taskId: string, account: string, envelopeKey: string): Uint8Array {
  return canonicalBytes({ purpose: PURPOSE, taskId, account, envelopeKey })
}

/** The tab's signature binding its envelope key to its account for `taskId`. */
export function signEnvelopeKey(keys: KeyPair, taskId: string, envelopeKey: Uint8Array): string {
  return sign(envelopeKeyStatement(taskId, keys.publicKey, bytesToHex(envelopeKey)), keys.secretKey)
}

/** Whether `entry` is its account's signature of its envelope key for `taskId`; false for anything malformed. */
export function verifyEnvelopeKey(taskId: string, entry: SignedEnvelopeKey): boolean {
  if (!/^04[0-9a-f]{128}$/.test(entry.envelopeKey) || !/^[0-9a-f]{64}$/.test(entry.account)) return false
  return verifySignature(
    entry.signature,
    envelopeKeyStatement(taskId, entry.account, entry.envelopeKey),
    entry.account,
  )
}

/** Hex digits a fingerprint shows: 80 bits, so a coordinator cannot grind a key set to match another's (2^80 work). */
export const FINGERPRINT_DIGITS = 20

/**
 * The key set's fingerprint: SHA-256 over the task id and the distinct (account, envelope key) pairs, sorted (tabs of
 * one browser share an account, each with its own envelope key); its first `FINGERPRINT_DIGITS` hex digits in groups
 * of four ("3f2a 91c0 ..."). Equal sets give equal fingerprints whatever order they arrived in.
 */
export function keySetFingerprint(
  taskId: string,
  entries: readonly Pick<SignedEnvelopeKey, 'account' | 'envelopeKey'>[],
): string {
  const unique = new Map(
    entries.map((e) => [`${e.account}:${e.envelopeKey}`, [e.account, e.envelopeKey] as [string, string]]),
  )
  const pairs = [...unique.values()]
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
  const digest = sha256Hex(canonicalBytes({ purpose: 'privx-envelope-key-set', taskId, pairs }))
  return digest.slice(0, FINGERPRINT_DIGITS).replace(/(.{4})(?=.)/g, '$1 ')
}
