import { type RandomSource, secureRandom } from '../random'
import { type Interval, meanInterval, varianceInterval } from './confidence'
import { defaultGranularity, gridIndex, gridMagnitude } from './discrete/grid'
import { laplaceGridNoise, noiseParameter, releaseIndex } from './discrete/grid-noise'
import { wordsFrom } from './discrete/random-source'
import { PrivacyParameterError, requireEpsilon } from './parameters'

/**
 * Private statistics with the discrete Laplace mechanism (pure epsilon-DP; neighbouring datasets differ by adding
 * or removing one record; Canonne, Kamath and Steinke 2020). Values are clamped to [lower, upper] first, which
 * bounds each record's influence: that bound is the sensitivity. Counts are integers and get integer noise. Sums
 * are taken on a grid (grid.ts): each clamped value is rounded to a multiple of a power-of-two granularity g, the
 * integer grid indices are summed exactly, and the release is g * (sum of indices + Z), Z ~ Lap_Z(steps /
 * epsilon) with `steps` the largest |index|. Rounding moves a sum of n values by at most n g / 2; with the default
 * g (about range / 1024) that is far below the noise. Each result says what it spent.
 */
export interface PrivateValue {
  readonly value: number
  readonly epsilon: number
  readonly delta: 0
}

export interface Bounds {
  readonly lower: number
  readonly upper: number
}

function requireBounds(bounds: Bounds): Bounds {
  if (!Number.isFinite(bounds.lower) || !Number.isFinite(bounds.upper) || bounds.lower >= bounds.upper) {
    throw new PrivacyParameterError(
      'bounds',
      `need finite lower < upper, got [${bounds.lower}, ${bounds.upper}]`,
    )
  }
  return bounds
}

const clamp = (v: number, b: Bounds): number => Math.min(b.upper, Math.max(b.lower, v))

/**
 * A value released with discrete Laplace noise on a grid: what it cost, the scale b of its noise in the value's
 * units (g times the integer noise's scale t) and the grid g (for exact intervals, confidence.ts).
 */
export interface LaplaceValue extends PrivateValue {
  readonly scale: number
  readonly granularity: number
}

/** A released estimate with its noise scale and its interval at the confidence asked (from the mechanism only). */
export interface Estimate extends PrivateValue, Interval {
  /** Scale of the noise in `value`, in its units; for a ratio, the numerator's Laplace scale over the noisy count. */
  readonly scale: number
  readonly confidence: number
}

/** Number of records, plus discrete Laplace noise of scale 1 / epsilon (an integer). */
export function privateCount(
  count: number,
  epsilon: number,
  random: RandomSource = secureRandom,
): LaplaceValue {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new PrivacyParameterError('count', `must be a whole number >= 0, got ${count}`)
  const noise = laplaceGridNoise(1, epsilon)
  return {
    value: releaseIndex(count, noise, wordsFrom(random)),
    scale: noiseParameter(noise),
    granularity: 1,
    epsilon,
    delta: 0,
  }
}

/**
 * Sum of values clamped to the bounds, on a grid of granularity g (default: `defaultGranularity` of the bounds):
 * sensitivity max(|round(lower / g)|, |round(upper / g)|) grid steps, about max(|lower|, |upper|) / g.
 */
export function privateSum(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
  granularity = defaultGranularity(bounds.lower, bounds.upper),
): LaplaceValue {
  requireBounds(bounds)
  const noise = laplaceGridNoise(gridMagnitude(bounds.lower, bounds.upper, granularity), epsilon, granularity)
  let indices = 0
  for (const v of values) indices += gridIndex(v, bounds.lower, bounds.upper, granularity)
  if (!Number.isSafeInteger(indices))
    throw new PrivacyParameterError('granularity', `${granularity} makes the sum leave the safe integers`)
  const scale = granularity * noiseParameter(noise)
  return { value: releaseIndex(indices, noise, wordsFrom(random)), scale, granularity, epsilon, delta: 0 }
}

/**
 * A column's first two moments released around the centre c of its bounds, with h = (upper - lower) / 2: the sum
 * of (x - c), sensitivity h, and the sum of (x - c)^2, sensitivity h^2 (each clamped x - c lies in [-h, h]).
 * Centring makes the sensitivities depend on the range only, not on how far it is from zero: ages in [18, 90]
 * cost 36 per record, not 90, and their squares 1,296, not 8,100.
 */
export interface CentredMoments {
  readonly centre: number
  readonly halfRange: number
  readonly sum: LaplaceValue
  readonly squares: LaplaceValue
}

/** Releases a column's `CentredMoments`; by sequential composition it costs `epsilon.sum + epsilon.squares`. */
export function privateCentredMoments(
  values: readonly number[],
  bounds: Bounds,
  epsilon: { readonly sum: number; readonly squares: number },
  random: RandomSource = secureRandom,
): CentredMoments {
  const { centre, halfRange, centred } = centredValues(values, bounds)
  return {
    centre,
    halfRange,
    sum: privateSum(centred, { lower: -halfRange, upper: halfRange }, epsilon.sum, random),
    squares: privateSum(
      centred.map((v) => v * v),
      { lower: 0, upper: halfRange * halfRange },
      epsilon.squares,
      random,
    ),
  }
}

function centredValues(values: readonly number[], bounds: Bounds) {
  requireBounds(bounds)
  const centre = (bounds.lower + bounds.upper) / 2
  return {
    centre,
    halfRange: (bounds.upper - bounds.lower) / 2,
    centred: values.map((v) => clamp(v, bounds) - centre),
  }
}

const spent = (...parts: readonly PrivateValue[]): number => parts.reduce((s, p) => s + p.epsilon, 0)

/**
 * The mean (post-processing of released moments and count): c + S / max(1, n), cut to the bounds, with the
 * conservative interval of `meanInterval`.
 */
export function meanEstimate(
  moments: Omit<CentredMoments, 'squares'>,
  count: LaplaceValue,
  confidence = 0.95,
): Estimate {
  const { centre, halfRange: h, sum } = moments
  const n = Math.max(1, count.value)
  return {
    value: centre + Math.min(h, Math.max(-h, sum.value / n)),
    scale: sum.scale / n,
    ...meanInterval(sum, count, centre, h, confidence),
    confidence,
    epsilon: spent(sum, count),
    delta: 0,
  }
}

/**
 * The population variance Q / n - (S / n)^2 from released moments and count, not cut: noise can make it negative,
 * which says the spread is below what the noise can resolve, and callers show it so. The interval
 * (`varianceInterval`) is cut to [0, h^2].
 */
export function varianceEstimate(moments: CentredMoments, count: LaplaceValue, confidence = 0.95): Estimate {
  const { halfRange: h, sum, squares } = moments
  const n = Math.max(1, count.value)
  const mean = Math.min(h, Math.max(-h, sum.value / n))
  return {
    value: squares.value / n - mean * mean,
    scale: squares.scale / n,
    ...varianceInterval(sum, squares, count, h, confidence),
    confidence,
    epsilon: spent(sum, squares, count),
    delta: 0,
  }
}

/** Mean as a private centred sum over a private count, epsilon split evenly; cut to the bounds. */
export function privateMean(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
): Estimate {
  requireEpsilon(epsilon)
  const { centre, halfRange, centred } = centredValues(values, bounds)
  const sum = privateSum(centred, { lower: -halfRange, upper: halfRange }, epsilon / 2, random)
  const count = privateCount(values.length, epsilon / 2, random)
  return meanEstimate({ centre, halfRange, sum }, count)
}

/**
 * Variance from a private count, centred sum and centred sum of squares (epsilon split in three). `value` is cut to
 * [0, (upper - lower)^2 / 4], the largest variance values in the bounds can have; `estimate` is the uncut figure.
 */
export function privateVariance(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
): Estimate & { readonly estimate: number } {
  requireEpsilon(epsilon)
  requireBounds(bounds)
  const third = epsilon / 3
  const count = privateCount(values.length, third, random)
  const moments = privateCentredMoments(values, bounds, { sum: third, squares: third }, random)
  const v = varianceEstimate(moments, count)
  const cap = moments.halfRange * moments.halfRange
  return { ...v, estimate: v.value, value: Math.min(cap, Math.max(0, v.value)), epsilon }
}

export function privateStd(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
): PrivateValue & Interval {
  const variance = privateVariance(values, bounds, epsilon, random)
  return {
    value: Math.sqrt(variance.value),
    low: Math.sqrt(variance.low),
    high: Math.sqrt(variance.high),
    epsilon: variance.epsilon,
    delta: 0,
  }
}

/**
 * Counts per category, each plus discrete Laplace noise of scale 1 / epsilon: one record changes one count by one
 * (L1 sensitivity 1), so the whole histogram costs epsilon. Values outside `categories` are not counted. Counts are
 * floored at 0, which only moves them towards the truth (>= 0): `laplaceInterval(count, scale, 0.95, 1)` floored
 * at 0 still covers it.
 */
export function privateHistogram(
  values: readonly string[],
  categories: readonly string[],
  epsilon: number,
  random: RandomSource = secureRandom,
): { counts: Map<string, number>; scale: number; epsilon: number; delta: 0 } {
  const noise = laplaceGridNoise(1, epsilon)
  const words = wordsFrom(random)
  const counts = new Map(categories.map((c) => [c, 0]))
  for (const v of values) if (counts.has(v)) counts.set(v, counts.get(v)! + 1)
  for (const [c, n] of counts) counts.set(c, Math.max(0, releaseIndex(n, noise, words)))
  return { counts, scale: noiseParameter(noise), epsilon, delta: 0 }
}
