import { bytesToHex } from '@noble/hashes/utils.js'
import { sha256 } from '../crypto/sha256'
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

export function verifyUpdateSignature(
  publicKey: string,
  signature: string,
  taskId: string,
  round: number,
  hash: string,
): boolean {
  return verifySignature(signature, statement(taskId, round, hash), publicKey)
}
