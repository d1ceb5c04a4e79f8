import { HE_PRESETS, type HePresetName, slotCount } from './parameters'

/**
 * Largest model the coordinator encrypts updates for over sockets: 200k parameters are 25 BFV-8192 ciphertexts,
 * about 5 MB per client per round each way. Larger models work with the library (bench/he.ts) but make rounds
 * bandwidth-bound (../shared/reference/privacy.md: about 10 MB per client per 100k parameters with CKKS).
 */
export const MAX_ENCRYPTED_PARAMETERS = 200_000

/** Ciphertexts an update of `parameters` values takes under `preset`. */
export function ciphertextCount(preset: HePresetName, parameters: number): number {
  return Math.max(1, Math.ceil(parameters / slotCount(HE_PRESETS[preset])))
}

/**
 * Upper bound on one serialized ciphertext: two polynomials of N coefficients per data prime, 8 bytes each, plus
 * SEAL's header (compression only makes it smaller).
 */
export function ciphertextByteBound(preset: HePresetName): number {
  const p = HE_PRESETS[preset]
  return 2 * p.polyModulusDegree * (p.coeffModulusBits.length - 1) * 8 + 1024
}

/** The preset a task's encryption mode uses. */
export function presetFor(mode: 'bfv' | 'ckks'): HePresetName {
  return mode === 'bfv' ? 'bfv-8192' : 'ckks-8192'
}

/**
 * Binary attachments one socket.io packet may carry, on both ends: an encrypted update, aggregate or checkpoint of
 * the largest encryptable model sends one ciphertext per attachment (49 CKKS-8192 ciphertexts for 200,000
 * parameters), and socket.io's parser allows 10 by default, which cut such a packet off as a broken connection
 * ("parse error") and sent the tab reconnecting.
 */
export const MAX_MESSAGE_ATTACHMENTS =
  Math.max(
    ciphertextCount(presetFor('bfv'), MAX_ENCRYPTED_PARAMETERS),
    ciphertextCount(presetFor('ckks'), MAX_ENCRYPTED_PARAMETERS),
  ) + 2
