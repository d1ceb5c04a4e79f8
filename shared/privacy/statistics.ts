import { type RandomSource, secureRandom } from '../random'
import { laplaceScale } from './calibration'
import { laplaceNoise } from './noise'
import { PrivacyParameterError, requireEpsilon } from './parameters'

/**
 * Private statistics with the Laplace mechanism (pure epsilon-DP; neighbouring datasets differ by adding or removing
 * one record). Values are clamped to [lower, upper] first, which bounds each record's influence: that bound is the
 * sensitivity. Each result says what it spent.
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

/** Number of records, plus Laplace(1 / epsilon). */
export function privateCount(
  count: number,
  epsilon: number,
  random: RandomSource = secureRandom,
): PrivateValue {
  return { value: count + laplaceNoise(laplaceScale(1, epsilon), random), epsilon, delta: 0 }
}

/** Sum of values clamped to the bounds; sensitivity max(|lower|, |upper|). */
export function privateSum(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
): PrivateValue {
  requireBounds(bounds)
  const sensitivity = Math.max(Math.abs(bounds.lower), Math.abs(bounds.upper))
  const sum = values.reduce((s, v) => s + clamp(v, bounds), 0)
  return { value: sum + laplaceNoise(laplaceScale(sensitivity, epsilon), random), epsilon, delta: 0 }
}

/** Mean as a private sum over a private count, epsilon split evenly; clamped to the bounds. */
export function privateMean(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
): PrivateValue {
  requireEpsilon(epsilon)
  const sum = privateSum(values, bounds, epsilon / 2, random).value
  const count = Math.max(1, privateCount(values.length, epsilon / 2, random).value)
  return { value: clamp(sum / count, requireBounds(bounds)), epsilon, delta: 0 }
}

/**
 * Variance from private count, sum and sum of squares (epsilon split in three), clamped to [0, (upper - lower)^2 / 4],
 * the largest variance values in the bounds can have.
 */
export function privateVariance(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
): PrivateValue {
  requireEpsilon(epsilon)
  requireBounds(bounds)
  const third = epsilon / 3
  const count = Math.max(1, privateCount(values.length, third, random).value)
  const sum = privateSum(values, bounds, third, random).value
  const squareBounds = { lower: 0, upper: Math.max(bounds.lower ** 2, bounds.upper ** 2) }
  const squares = privateSum(
    values.map((v) => clamp(v, bounds) ** 2),
    squareBounds,
    third,
    random,
  ).value
  const mean = sum / count
  const variance = squares / count - mean * mean
  return { value: Math.min((bounds.upper - bounds.lower) ** 2 / 4, Math.max(0, variance)), epsilon, delta: 0 }
}

export function privateStd(
  values: readonly number[],
  bounds: Bounds,
  epsilon: number,
  random: RandomSource = secureRandom,
): PrivateValue {
  const variance = privateVariance(values, bounds, epsilon, random)
  return { ...variance, value: Math.sqrt(variance.value) }
}

/**
 * Counts per category, each plus Laplace(1 / epsilon): one record changes one count by one (L1 sensitivity 1), so
 * the whole histogram costs epsilon. Values outside `categories` are not counted. Counts are floored at 0.
 */
export function privateHistogram(
  values: readonly string[],
  categories: readonly string[],
  epsilon: number,
  random: RandomSource = secureRandom,
): { counts: Map<string, number>; epsilon: number; delta: 0 } {
  const scale = laplaceScale(1, epsilon)
  const counts = new Map(categories.map((c) => [c, 0]))
  for (const v of values) if (counts.has(v)) counts.set(v, counts.get(v)! + 1)
  for (const [c, n] of counts) counts.set(c, Math.max(0, n + laplaceNoise(scale, random)))
  return { counts, epsilon, delta: 0 }
}
