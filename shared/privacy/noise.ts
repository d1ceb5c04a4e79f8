import { type RandomSource, secureRandom } from '../random'
import { requireNonNegative } from './parameters'

/**
 * Continuous noise, from crypto.getRandomValues by default (53-bit uniforms). The RNG is injectable so tests can
 * seed it; production code never passes one.
 *
 * Not for released values (Mironov 2012, "On significance of the least significant bits for differential
 * privacy"): a float sample added to a value leaves gaps that rule inputs out (bench/mironov.ts measures it on the
 * mechanism these functions used to drive). Released statistics and copies use the exact discrete samplers in
 * ./discrete (Canonne, Kamath and Steinke 2020). The Gaussian here stays for model updates (DP-SGD, DP-FedAvg),
 * where the noisy value is rounded to float32 or a fixed-point grid first (clipping.ts says why); `laplaceNoise` is
 * kept for that bench and its tests.
 */

/** One Laplace(0, scale) draw by the inverse CDF. */
export function laplaceNoise(scale: number, random: RandomSource = secureRandom): number {
  requireNonNegative(scale, 'scale')
  let u = 0
  while (u === 0) u = random()
  const centered = u - 0.5
  return -scale * Math.sign(centered) * Math.log(1 - 2 * Math.abs(centered))
}

/** One N(0, sigma^2) draw (Box-Muller). `sigma` is a standard deviation, not a variance. */
export function gaussianNoise(sigma: number, random: RandomSource = secureRandom): number {
  requireNonNegative(sigma, 'sigma')
  let u = 0
  while (u === 0) u = random()
  return sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** Adds independent N(0, sigma^2) noise to every value, in place. */
export function addGaussianNoise(
  values: Float32Array,
  sigma: number,
  random: RandomSource = secureRandom,
): Float32Array {
  requireNonNegative(sigma, 'sigma')
  for (let i = 0; i < values.length; i++) values[i]! += gaussianNoise(sigma, random)
  return values
}
