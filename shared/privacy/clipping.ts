import { type RandomSource, secureRandom } from '../random'
import { addGaussianNoise } from './noise'
import { requireNonNegative, requirePositive } from './parameters'

export function l2Norm(values: Float32Array): number {
  let sum = 0
  for (const v of values) sum += v * v
  return Math.sqrt(sum)
}

/** Scales `values` (a copy) so its L2 norm is at most `clipNorm`; returns the copy and the norm before clipping. */
export function clipToNorm(values: Float32Array, clipNorm: number): { clipped: Float32Array; norm: number } {
  requirePositive(clipNorm, 'clipNorm')
  const norm = l2Norm(values)
  const scale = norm > clipNorm ? clipNorm / norm : 1
  // Float32 rounding can leave the scaled norm a hair above clipNorm; shave the scale by one part in 1e6.
  const safe = scale < 1 ? scale * (1 - 1e-6) : 1
  return { clipped: values.map((v) => v * safe), norm }
}

/**
 * A DP update (DP-FedAvg, McMahan, Ramage, Talwar and Zhang 2018): clip the model delta to L2 norm `clipNorm`, then
 * add N(0, noiseStd^2) to every coordinate. `noiseStd` is the full z * S in local mode, or this client's share
 * z * S / sqrt(m) when m clients' noise adds up to z * S (distributed mode).
 *
 * The noise is the continuous Gaussian (the accountant's subsampled bound is proven for it), drawn in float64 and
 * rounded with the update to float32, whose spacing is 2^29 times the float64 sample's: the gaps Mironov (2012)
 * read in float64 Laplace outputs are filled by that rounding (and, under BFV, by the coarser fixed-point grid of
 * `quantizeUpdate`). An argument, not a proof; released statistics and copies use the exact discrete samplers.
 */
export function privatizeUpdate(
  delta: Float32Array,
  options: { clipNorm: number; noiseStd: number; random?: RandomSource },
): { update: Float32Array; norm: number; clipped: boolean } {
  requireNonNegative(options.noiseStd, 'noiseStd')
  const { clipped, norm } = clipToNorm(delta, options.clipNorm)
  addGaussianNoise(clipped, options.noiseStd, options.random ?? secureRandom)
  return { update: clipped, norm, clipped: norm > options.clipNorm }
}
