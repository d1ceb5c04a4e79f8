import { PrivacyParameterError, requirePositive } from '../parameters'

/**
 * The grid released values live on. A real value x in [lower, upper] is released as g * (round(x / g) + Z): it is
 * clamped, rounded to the nearest multiple of the granularity g, and integer noise Z (discrete Laplace or discrete
 * Gaussian) is added in units of g. The DP guarantee is proven on the integers round(x / g), whose sensitivity is
 * a whole number of grid steps; multiplying by g is post-processing. Every output is a multiple of g and every
 * multiple of g is a possible output for every input, so an output never rules a neighbouring input out
 * (Mironov 2012's attack reads exactly that from floating-point Laplace noise).
 *
 * Granularities are powers of two, so x / g and k * g are exact in doubles (no rounding between the grid and the
 * released number), and rounding to the grid moves a value by at most g / 2.
 */

/** Grid steps per declared range a default granularity aims for: fine next to the noise of any useful epsilon. */
export const GRID_STEPS = 1024

/**
 * The default granularity of a column with declared range [lower, upper]: 1 for integer columns whose range is at
 * most GRID_STEPS wide (their values are on the grid already), else the largest power of two at most
 * (upper - lower) / GRID_STEPS.
 */
export function defaultGranularity(lower: number, upper: number, integer = false): number {
  const range = upper - lower
  if (!(range > 0) || !Number.isFinite(range))
    throw new PrivacyParameterError('bounds', `need finite lower < upper, got [${lower}, ${upper}]`)
  if (integer && range <= GRID_STEPS) return 1
  return 2 ** Math.floor(Math.log2(range / GRID_STEPS))
}

/** A granularity must be a power of two (2^-60 to 2^60), so the grid arithmetic is exact in doubles. */
export function requireGranularity(g: number, name = 'granularity'): number {
  requirePositive(g, name)
  const log = Math.log2(g)
  if (!Number.isInteger(log) || Math.abs(log) > 60)
    throw new PrivacyParameterError(name, `must be a power of two (2^-60 to 2^60), got ${g}`)
  return g
}

/** A value's grid index: round(clamp(x, lower, upper) / g), half away from zero (exact for power-of-two g). */
export function gridIndex(x: number, lower: number, upper: number, g: number): number {
  const clamped = Math.min(upper, Math.max(lower, x))
  const k = clamped / g
  return Math.sign(k) * Math.round(Math.abs(k))
}

/**
 * The sensitivity, in whole grid steps, of one value clamped to [lower, upper] when it is replaced by another:
 * the distance between the grid indices of the bounds.
 */
export function gridRange(lower: number, upper: number, g: number): number {
  const steps = gridIndex(upper, lower, upper, g) - gridIndex(lower, lower, upper, g)
  if (!Number.isSafeInteger(steps) || steps < 1)
    throw new PrivacyParameterError(
      'granularity',
      `${g} leaves [${lower}, ${upper}] ${steps} grid steps wide`,
    )
  return steps
}

/**
 * The largest |index| a value clamped to [lower, upper] can have: the sensitivity, in grid steps, of a sum of such
 * values when one is added or removed.
 */
export function gridMagnitude(lower: number, upper: number, g: number): number {
  const m = Math.max(Math.abs(gridIndex(lower, lower, upper, g)), Math.abs(gridIndex(upper, lower, upper, g)))
  return Math.max(1, m)
}
