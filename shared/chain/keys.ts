import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { getPublicKey, sign as signBytes, verify } from '../crypto/ed25519'
import { sha256 } from '../crypto/sha256'

/** An account's address: "px" and the first 20 bytes of SHA-256 of its Ed25519 public key, hex. */
export type Address = string

export interface KeyPair {
  /** 32-byte Ed25519 secret seed, hex. Never leaves its owner (the tab's browser, the coordinator's data dir). */
  readonly secretKey: string
  readonly publicKey: string
  readonly address: Address
}

export function addressOf(publicKeyHex: string): Address {
  return `px${bytesToHex(sha256(hexToBytes(publicKeyHex))).slice(0, 40)}`
}

/** A new key pair from the platform's CSPRNG (crypto.getRandomValues, through noble). */
export function generateKeyPair(): KeyPair {
  return keyPairFromSecret(bytesToHex(ed25519.utils.randomSecretKey()))
}

export function keyPairFromSecret(secretKey: string): KeyPair {
  const publicKey = bytesToHex(getPublicKey(hexToBytes(secretKey)))
  return { secretKey, publicKey, address: addressOf(publicKey) }
}

/** Ed25519 signature (RFC 8032) of `message`, hex (`crypto/ed25519.ts`: native in Node, pure JS elsewhere). */
export function sign(message: Uint8Array, secretKey: string): string {
  return bytesToHex(signBytes(message, hexToBytes(secretKey)))
}

/** Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`; false for malformed input. */
export function verifySignature(signature: string, message: Uint8Array, publicKey: string): boolean {
  try {
    return verify(hexToBytes(signature), message, hexToBytes(publicKey))
  } catch {
    return false
  }
}
