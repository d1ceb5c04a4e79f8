import { bytesToHex } from '@noble/hashes/utils.js'
import { sha256 } from '../crypto/sha256'

/** A model version names the round that produced the weights and a digest of their bytes. */
export type ModelVersion = string

/** SHA-256 of the weights' little-endian float32 bytes, hex. */
export function weightsDigest(weights: Float32Array): string {
  return bytesToHex(sha256(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength)))
}

/** e.g. "r3-1f2e3d4c5b6a": round 3, first 12 hex digits of the weights' SHA-256. */
export function modelVersion(round: number, weights: Float32Array): ModelVersion {
  return versionOf(round, weightsDigest(weights))
}

/** `modelVersion` from a digest already computed (`weightsDigest`): a model is hashed once per version. */
export function versionOf(round: number, digest: string): ModelVersion {
  return `r${round}-${digest.slice(0, 12)}`
}

/** A model in the clear with its version and digest, the weights hashed once. */
export function clearModel(
  round: number,
  weights: Float32Array,
): { round: number; version: ModelVersion; weights: Float32Array; digest: string } {
  const digest = weightsDigest(weights)
  return { round, version: versionOf(round, digest), weights, digest }
}
