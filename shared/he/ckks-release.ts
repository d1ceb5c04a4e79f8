import { gaussianNoise } from '../privacy/noise'

/**
 * CKKS decryptions leak information about the secret key when published (Li and Micciancio 2021, "On the security of
 * homomorphic encryption on approximate numbers"): CKKS is IND-CPA but not IND-CPA-D. Before a decrypted CKKS
 * aggregate is used or shown, this floods it with Gaussian noise far above the CKKS error (std 2^-floodBits) and
 * rounds it to a 2^-roundBits grid, the mitigation SEAL's documentation and the reference note describe. BFV
 * decryptions are exact and need none of this.
 */
export function releaseCkksDecryption(
  values: ArrayLike<number>,
  floodBits = 26,
  roundBits = 24,
): Float64Array {
  const grid = 2 ** roundBits
  const out = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++)
    out[i] = Math.round((values[i]! + gaussianNoise(2 ** -floodBits)) * grid) / grid
  return out
}
