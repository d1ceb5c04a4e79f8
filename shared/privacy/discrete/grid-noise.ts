import { discreteGaussian, discreteGaussianHalfWidth, discreteGaussianVariance } from './discrete-gaussian'
import {
  discreteLaplace,
  discreteLaplaceHalfWidth,
  discreteLaplaceMeanAbs,
  discreteLaplaceVariance,
} from './discrete-laplace'
import { discreteGaussianVarianceFor } from './gaussian-calibration'
import { requireGranularity } from './grid'
import type { RandomWords } from './random-source'
import { laplaceScaleFor, type Rational, toNumber } from './rational'

/**
 * Integer noise for a release on a grid of granularity g (see grid.ts): the value released is g * (index + Z),
 * `index` the grid index of the clamped value (or an exact integer sum of indices), Z drawn here. `steps` is the
 * release's sensitivity in whole grid steps (L1 for Laplace, L2 for Gaussian).
 */
export type GridNoise =
  | {
      readonly kind: 'laplace'
      readonly granularity: number
      readonly steps: number
      /** Z ~ Lap_Z(scale), scale >= steps / epsilon: epsilon-DP. */
      readonly scale: Rational
    }
  | {
      readonly kind: 'gaussian'
      readonly granularity: number
      readonly steps: number
      /** Z ~ N_Z(0, variance), calibrated through zCDP (gaussian-calibration.ts): (epsilon, delta)-DP. */
      readonly variance: Rational
    }

/** Discrete Laplace noise giving epsilon-DP to a release of L1 sensitivity `steps` grid steps. */
export function laplaceGridNoise(steps: number, epsilon: number, granularity = 1): GridNoise {
  requireGranularity(granularity)
  return { kind: 'laplace', granularity, steps, scale: laplaceScaleFor(steps, epsilon) }
}

/** Discrete Gaussian noise giving (epsilon, delta)-DP to a release of L2 sensitivity `steps` grid steps. */
export function gaussianGridNoise(steps: number, epsilon: number, delta: number, granularity = 1): GridNoise {
  requireGranularity(granularity)
  return {
    kind: 'gaussian',
    granularity,
    steps,
    variance: discreteGaussianVarianceFor(steps, epsilon, delta),
  }
}

/** One integer draw of the noise, in grid steps. */
export function drawSteps(noise: GridNoise, words: RandomWords): number {
  return noise.kind === 'laplace'
    ? discreteLaplace(noise.scale, words)
    : discreteGaussian(noise.variance, words)
}

/** The released value for a grid index (or sum of indices): g * (index + Z). Exact in doubles below 2^53 steps. */
export function releaseIndex(index: number, noise: GridNoise, words: RandomWords): number {
  return noise.granularity * (index + drawSteps(noise, words))
}

/** The noise's scale as a double in grid steps: Laplace t, or Gaussian sigma. For reporting only. */
export function noiseParameter(noise: GridNoise): number {
  return noise.kind === 'laplace' ? toNumber(noise.scale) : Math.sqrt(toNumber(noise.variance))
}

/** Standard deviation of the noise, in the value's units (g times the integer noise's). */
export function noiseStd(noise: GridNoise): number {
  const variance =
    noise.kind === 'laplace' ? discreteLaplaceVariance(noise.scale) : discreteGaussianVariance(noise.variance)
  return noise.granularity * Math.sqrt(variance)
}

/** E|noise| in the value's units (Laplace exactly; Gaussian from its standard deviation, sqrt(2/pi) sigma). */
export function noiseMeanAbs(noise: GridNoise): number {
  return noise.kind === 'laplace'
    ? noise.granularity * discreteLaplaceMeanAbs(noise.scale)
    : noiseStd(noise) * Math.sqrt(2 / Math.PI)
}

/** The smallest half-width h, a multiple of g, with P(|noise| > h) <= alpha: exact for the discrete noise. */
export function noiseHalfWidth(noise: GridNoise, alpha: number): number {
  const k =
    noise.kind === 'laplace'
      ? discreteLaplaceHalfWidth(noise.scale, alpha)
      : discreteGaussianHalfWidth(noise.variance, alpha)
  return noise.granularity * k
}
