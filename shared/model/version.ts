import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** A model version names the round that produced the weights and a digest of their bytes. */
export type ModelVersion = string

/** SHA-256 of the weights' little-endian float32 bytes, hex. */
export function weightsDigest(weights: Float32Array): string {
  return bytesToHex(sha256(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength)))
}

/** e.g. "r3-1f2e3d4c5b6a": round 3, first 12 hex digits of the weights' SHA-256. */
export function modelVersion(round: number, weights: Float32Array): ModelVersion {
  return `r${round}-${weightsDigest(weights).slice(0, 12)}`
}
