import { gaussianNoise } from '../privacy/noise'

/**
 * CKKS decryptions leak information about the secret key when published (Li and Micciancio 2021, "On the security
 * of homomorphic encryption on approximate numbers"): CKKS is IND-CPA but not IND-CPA-D. Li, Micciancio, Schultz
 * and Sorrell 2022 ("Securing approximate homomorphic encryption using differential privacy") prove that Gaussian
 * flooding restores IND-CPA-D when its standard deviation is about sqrt(12 tau) 2^(s/2) times the decryption error
 * bound t, for s bits of statistical security over tau decryptions (the form OpenFHE implements).
 *
 * What this code does, in numbers (ckks-8192, scale 2^40; measured with node-seal over 4,096 slots: one fresh
 * ciphertext's largest error 9.8e-9 = 2^-26.6, a sum of 10 2.6e-8 = 2^-25.2, a sum of 100 1.1e-7 = 2^-23.2, so
 * the error grows as the square root of the ciphertexts summed and does not depend on the values):
 * - the error bound t for a sum of k ciphertexts is taken as 2^-26 sqrt(k);
 * - the flooding standard deviation is 2^FLOOD_MARGIN_BITS t = 2^-18 sqrt(k): 8 bits above the bound (the old
 *   fixed 2^-26 was at or below the error of any sum of several updates, not "far above" it);
 * - by the formula above, that margin is s = 2 (8 - log2 sqrt(12 tau)) bits: about 12 bits for one decryption, and
 *   about 2 by tau = 2^10. LMSS-grade flooding (s = 30 over 2^10 decryptions, 2^21.8 t) would put noise of
 *   about 0.05 sqrt(k) on every summed coordinate in every tab, each tab drawing its own: under DP's unit weights
 *   the tabs' models would drift apart past the checkpoint tolerance within a few rounds.
 * So CKKS aggregation is for tabs that trust each other and everyone their decrypted models reach (every tab holds
 * the secret key anyway; the leak matters where decrypted values leave the key holders). BFV, the default, is
 * exact: its decryptions reveal nothing about the key and need none of this.
 */

/** Largest error of one fresh ckks-8192 decryption, rounded up from the measured 2^-26.6. */
export const CKKS_FRESH_ERROR_BOUND = 2 ** -26
/** Bits of flooding above the error bound. */
export const FLOOD_MARGIN_BITS = 8
/** The grid the flooded value is rounded to (post-processing). */
export const RELEASE_ROUND_BITS = 24

/** Error bound t of the decryption of a sum of `ciphertexts` fresh ckks-8192 ciphertexts: 2^-26 sqrt(k). */
export function ckksErrorBound(ciphertexts: number): number {
  return CKKS_FRESH_ERROR_BOUND * Math.sqrt(Math.max(1, ciphertexts))
}

/** LMSS 2022 (as OpenFHE applies it): flooding std sqrt(12 tau) 2^(s/2) t for s bits over tau decryptions. */
export function lmssFloodingStd(errorBound: number, statisticalBits: number, decryptions: number): number {
  return Math.sqrt(12 * decryptions) * 2 ** (statisticalBits / 2) * errorBound
}

/** The statistical security s (bits) a flooding margin of 2^marginBits buys over tau decryptions; may be negative. */
export function floodingSecurityBits(marginBits: number, decryptions: number): number {
  return 2 * (marginBits - Math.log2(Math.sqrt(12 * decryptions)))
}

/**
 * A decrypted CKKS aggregate, flooded before it is used or shown: each value plus N(0, (2^8 t)^2), t the error
 * bound of a sum of `ciphertexts` (the round's participants), then rounded to a 2^-24 grid.
 */
export function releaseCkksDecryption(values: ArrayLike<number>, ciphertexts = 1): Float64Array {
  const sigma = 2 ** FLOOD_MARGIN_BITS * ckksErrorBound(ciphertexts)
  const grid = 2 ** RELEASE_ROUND_BITS
  const out = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++)
    out[i] = Math.round((values[i]! + gaussianNoise(sigma)) * grid) / grid
  return out
}
