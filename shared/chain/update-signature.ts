import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { sha256 } from '../crypto/sha256'
import { sha256Async, signAsync } from '../crypto/web-crypto'
import { canonicalBytes } from './encoding'
import { type KeyPair, sign, verifySignature } from './keys'

/** SHA-256 of an update's bytes, hex: what the chain records for each participant. */
export function updateHash(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes))
}

const statement = (taskId: string, round: number, hash: string): Uint8Array =>
  canonicalBytes({ kind: 'privx-update', taskId, round, updateHash: hash })

/** A tab's signature binding its update to a task and round: the coordinator records it under the tab's address. */
export function signUpdate(keys: KeyPair, taskId: string, round: number, hash: string): string {
  return sign(statement(taskId, round, hash), keys.secretKey)
}

/**
 * `updateHash` and `signUpdate` of `bytes` on the platform's asynchronous native crypto (WebCrypto in a tab, about
 * 10x faster than pure JS on a 4 MB update; node:crypto in Node): the same hash and signature.
 */
export async function hashAndSignUpdate(
  keys: KeyPair,
  taskId: string,
  round: number,
  bytes: Uint8Array,
): Promise<{ hash: string; signature: string }> {
  const hash = bytesToHex(await sha256Async(bytes))
  const signature = bytesToHex(await signAsync(statement(taskId, round, hash), hexToBytes(keys.secretKey)))
  return { hash, signature }
}

export function verifyUpdateSignature(
  publicKey: string,
  signature: string,
  taskId: string,
  round: number,
  hash: string,
): boolean {
  return verifySignature(signature, statement(taskId, round, hash), publicKey)
}
