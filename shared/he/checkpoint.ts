import { weightsDigest } from '../model/version'
import { HeError } from './errors'

/**
 * An encrypted checkpoint carries a model's float32 weights exactly: each weight's 32 bits as one unsigned integer
 * per slot. BFV-8192's plain modulus (40 bits) holds any 32-bit word as is; CKKS-8192 (scale 2^40) decrypts a word
 * to within about 1e-6 of it, far inside the 0.25 that rounding forgives. Either way a tab that decrypts the
 * checkpoint holds the same bits as the tab that encrypted it, so a late tab replays to the same weights bit for
 * bit (checked by `weightsDigest`).
 */
export function checkpointWords(weights: Float32Array): Float64Array {
  const words = new Uint32Array(
    weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  )
  return Float64Array.from(words)
}

/** Largest distance from an integer a decrypted word may show before the checkpoint counts as corrupt. */
const WORD_TOLERANCE = 0.25

/** The weights a decrypted checkpoint holds; throws `bad-ciphertext` naming the first word that is not one. */
export function weightsFromWords(decrypted: ArrayLike<number>): Float32Array {
  const words = new Uint32Array(decrypted.length)
  for (let i = 0; i < decrypted.length; i++) {
    const value = decrypted[i]!
    const word = Math.round(value)
    if (!Number.isFinite(value) || Math.abs(value - word) > WORD_TOLERANCE || word < 0 || word >= 2 ** 32) {
      throw new HeError(
        'bad-ciphertext',
        `checkpoint value ${i} did not decrypt to a 32-bit word: the checkpoint is corrupt or under another key`,
      )
    }
    words[i] = word
  }
  const weights = new Float32Array(words.buffer)
  const bad = weights.findIndex((w) => !Number.isFinite(w))
  if (bad !== -1)
    throw new HeError('bad-ciphertext', `checkpoint weight ${bad} is ${weights[bad]}: weights must be finite`)
  return weights
}

/**
 * Largest difference a CKKS checkpoint may show from a verifier's own model: each tab floods its decryptions with
 * its own noise (std 2^-18 sqrt(k) on a sum of k updates, rounded to 2^-24, `ckks-release.ts`): about 1e-6 per
 * coordinate and round on an average of 10 unit-weight updates, so honest models drift apart by far less.
 */
export const CKKS_CHECKPOINT_TOLERANCE = 1e-3

/**
 * A verifier's finding on another holder's checkpoint: what it decrypted against the digest claimed and against the
 * model the verifier holds at that version (the same bits under BFV, within `CKKS_CHECKPOINT_TOLERANCE` under CKKS).
 */
export function compareCheckpoint(
  decrypted: Float32Array,
  own: Float32Array,
  claimedDigest: string,
  exact: boolean,
): { outcome: 'match' | 'mismatch'; reason?: string } {
  if (weightsDigest(decrypted) !== claimedDigest) {
    return { outcome: 'mismatch', reason: 'it decrypts to weights whose SHA-256 is not the one it claims' }
  }
  if (decrypted.length !== own.length) {
    return { outcome: 'mismatch', reason: `it holds ${decrypted.length} weights, the model ${own.length}` }
  }
  if (exact) {
    return weightsDigest(own) === claimedDigest
      ? { outcome: 'match' }
      : { outcome: 'mismatch', reason: "its weights are not this tab's model of that version" }
  }
  let worst = 0
  for (let i = 0; i < own.length; i++) worst = Math.max(worst, Math.abs(decrypted[i]! - own[i]!))
  return worst <= CKKS_CHECKPOINT_TOLERANCE
    ? { outcome: 'match' }
    : {
        outcome: 'mismatch',
        reason: `its weights differ from this tab's model of that version by up to ${worst.toPrecision(3)}`,
      }
}
