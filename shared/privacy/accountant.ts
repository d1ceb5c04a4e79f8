/**
 * Renyi-DP accountant for the Poisson-subsampled Gaussian mechanism.
 *
 * - RDP of one step at order alpha: Mironov, Talwar and Zhang 2019, "Renyi Differential Privacy of the Sampled
 *   Gaussian Mechanism" (Sec. 3.3): an exact binomial sum for integer alpha, and for fractional alpha the two
 *   series with log-erfc terms, summed until their terms fall below e^-30. q = 1 gives alpha / (2 sigma^2)
 *   (Mironov 2017).
 * - Composition: RDP adds over steps and over mechanisms, order by order.
 * - Conversion to (epsilon, delta): Balle, Barthe, Gaboardi, Hsu and Sato 2020, "Hypothesis testing
 *   interpretations and Renyi differential privacy", Thm 21:
 *   eps = min over alpha of rdp(alpha) - (ln delta + ln alpha) / (alpha - 1) + ln((alpha - 1) / alpha);
 *   or the classic eps = min rdp(alpha) - ln(delta) / (alpha - 1) (Mironov 2017, Prop. 3), always larger.
 *
 * The values in shared/reference/privacy.md (Opacus, Abadi et al. 2016) are reproduced by the tests.
 *
 * Every entry point validates all its inputs before any shortcut (steps 0 spends nothing, but only once the rest
 * is known to be valid), and names the bad field.
 *
 * Discrete Gaussian: N_Z(0, sigma^2) added to an integer-valued query of sensitivity Delta has Renyi divergence at
 * most alpha Delta^2 / (2 sigma^2) at every order, the continuous Gaussian's bound (Canonne, Kamath and Steinke
 * 2020, Theorem 4: it is (Delta^2 / 2 sigma^2)-zCDP). So the q = 1 bound here, its composition over steps and
 * both conversions hold for it unchanged. The subsampled bound (q < 1) is Mironov, Talwar and Zhang's analysis of
 * the continuous mixture and is claimed here for the continuous Gaussian only: DP-SGD and DP-FedAvg updates,
 * which stay continuous (see client/training/dp-sgd.ts).
 */
import {
  PrivacyParameterError,
  requireDelta,
  requireEpsilon,
  requirePositive,
  requireSampleRate,
  requireSteps,
} from './parameters'
import { logAdd, logBinomial, logErfc, logSub } from './special'

/** Opacus' default orders: 1.1, 1.2, ..., 10.9 and 12, 13, ..., 63. */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, i) => Math.round((1 + (i + 1) / 10) * 10) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
]

export type Conversion = 'balle2020' | 'classic'

function logAForIntegerOrder(q: number, sigma: number, alpha: number): number {
  let logA = Number.NEGATIVE_INFINITY
  for (let i = 0; i <= alpha; i++) {
    const logCoef = logBinomial(alpha, i) + i * Math.log(q) + (alpha - i) * Math.log(1 - q)
    logA = logAdd(logA, logCoef + (i * i - i) / (2 * sigma * sigma))
  }
  return logA
}

function logAForFractionalOrder(q: number, sigma: number, alpha: number): number {
  let logA0 = Number.NEGATIVE_INFINITY
  let logA1 = Number.NEGATIVE_INFINITY
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5
  // Generalized binomial coefficient C(alpha, i), tracked as a sign and a log magnitude.
  let logAbsCoef = 0
  let sign = 1
  for (let i = 0; ; i++) {
    if (i > 0) {
      const factor = (alpha - (i - 1)) / i
      if (factor < 0) sign = -sign
      logAbsCoef += Math.log(Math.abs(factor))
    }
    const j = alpha - i
    const logT0 = logAbsCoef + i * Math.log(q) + j * Math.log(1 - q)
    const logT1 = logAbsCoef + j * Math.log(q) + i * Math.log(1 - q)
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma))
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma))
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0)
      logA1 = logAdd(logA1, logS1)
    } else {
      logA0 = logSub(logA0, logS0)
      logA1 = logSub(logA1, logS1)
    }
    if (Math.max(logS0, logS1) < -30) break
    if (i > 100_000) throw new Error(`RDP series did not converge (q=${q}, sigma=${sigma}, alpha=${alpha})`)
  }
  return logAdd(logA0, logA1)
}

/** RDP at order `alpha` of one step of the sampled Gaussian mechanism (sampling rate q, noise multiplier sigma). */
export function rdpOfStep(q: number, sigma: number, alpha: number): number {
  if (q === 1) return alpha / (2 * sigma * sigma)
  const logA = Number.isInteger(alpha)
    ? logAForIntegerOrder(q, sigma, alpha)
    : logAForFractionalOrder(q, sigma, alpha)
  return logA / (alpha - 1)
}

export interface GaussianSteps {
  /** Probability that each record (or client) joins a step, independently (Poisson sampling). 1 = all, always. */
  readonly sampleRate: number
  /** Noise standard deviation divided by the L2 sensitivity (clip norm). */
  readonly noiseMultiplier: number
  readonly steps: number
}

/** Orders: a non-empty list of finite numbers above 1 (an empty list would make every epsilon Infinity). */
export function requireOrders(orders: readonly number[]): readonly number[] {
  if (!Array.isArray(orders) || orders.length === 0)
    throw new PrivacyParameterError('orders', 'list at least one order above 1')
  for (const alpha of orders) {
    if (typeof alpha !== 'number' || !(alpha > 1) || !Number.isFinite(alpha))
      throw new PrivacyParameterError('orders', `each order must be a finite number above 1, got ${alpha}`)
  }
  return orders
}

function requireConversion(conversion: Conversion): Conversion {
  if (conversion !== 'balle2020' && conversion !== 'classic')
    throw new PrivacyParameterError(
      'conversion',
      `must be 'balle2020' or 'classic', got ${String(conversion)}`,
    )
  return conversion
}

/** RDP over `orders` of `steps` compositions of the sampled Gaussian mechanism (steps 0: all zeros). */
export function computeRdp(mechanism: GaussianSteps, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  const q = requireSampleRate(mechanism.sampleRate)
  const sigma = requirePositive(mechanism.noiseMultiplier, 'noiseMultiplier')
  const steps = requireSteps(mechanism.steps)
  requireOrders(orders)
  return orders.map((alpha) => rdpOfStep(q, sigma, alpha) * steps)
}

/** RDP of several mechanisms applied in sequence: their RDP adds, order by order. */
export function composeRdp(
  mechanisms: readonly GaussianSteps[],
  orders: readonly number[] = DEFAULT_ORDERS,
): number[] {
  return mechanisms.reduce(
    (total, m) => computeRdp(m, orders).map((r, i) => r + total[i]!),
    orders.map(() => 0),
  )
}

/** The smallest epsilon over the orders for this delta, and the order that achieves it. */
export function rdpToEpsilon(
  rdp: readonly number[],
  orders: readonly number[],
  delta: number,
  conversion: Conversion = 'balle2020',
): { epsilon: number; order: number } {
  requireDelta(delta)
  requireOrders(orders)
  requireConversion(conversion)
  if (rdp.length !== orders.length)
    throw new PrivacyParameterError('orders', `${orders.length} orders for ${rdp.length} RDP values`)
  let best = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN }
  orders.forEach((alpha, i) => {
    const r = rdp[i]!
    const epsilon =
      conversion === 'classic'
        ? r - Math.log(delta) / (alpha - 1)
        : r - (Math.log(delta) + Math.log(alpha)) / (alpha - 1) + Math.log((alpha - 1) / alpha)
    if (epsilon < best.epsilon) best = { epsilon, order: alpha }
  })
  return { epsilon: Math.max(0, best.epsilon), order: best.order }
}

export interface EpsilonQuery extends GaussianSteps {
  readonly delta: number
  readonly orders?: readonly number[]
  readonly conversion?: Conversion
}

/**
 * (epsilon, delta) after `steps` steps of the Poisson-subsampled Gaussian mechanism. The entry point scripts call.
 * Opacus' default orders unless given; Balle et al. 2020 conversion unless `conversion: 'classic'`. Every field is
 * validated first; then 0 steps spend epsilon 0 (order NaN: no order was used).
 */
export function computeEpsilon(query: EpsilonQuery): { epsilon: number; order: number } {
  const orders = requireOrders(query.orders ?? DEFAULT_ORDERS)
  requireSampleRate(query.sampleRate)
  requirePositive(query.noiseMultiplier, 'noiseMultiplier')
  requireSteps(query.steps)
  requireDelta(query.delta)
  requireConversion(query.conversion ?? 'balle2020')
  if (query.steps === 0) return { epsilon: 0, order: Number.NaN }
  return rdpToEpsilon(computeRdp(query, orders), orders, query.delta, query.conversion)
}

/**
 * The noise multiplier that spends at most `targetEpsilon` in `steps` steps, found by bisection as Opacus'
 * get_noise_multiplier does (epsilon within `tolerance` below the target), so published values match. Refuses
 * steps < 1 (no number of steps 0 can reach a target) and tolerance <= 0 up front, so it always ends.
 */
export function noiseMultiplierFor(query: {
  targetEpsilon: number
  sampleRate: number
  steps: number
  delta: number
  orders?: readonly number[]
  tolerance?: number
}): number {
  const target = requireEpsilon(query.targetEpsilon, 'targetEpsilon')
  requireSampleRate(query.sampleRate)
  requireSteps(query.steps, 'steps', 1)
  requireDelta(query.delta)
  if (query.orders) requireOrders(query.orders)
  const tolerance = requirePositive(query.tolerance ?? 0.01, 'tolerance')
  const epsilonAt = (noiseMultiplier: number): number =>
    computeEpsilon({ ...query, noiseMultiplier, ...(query.orders ? { orders: query.orders } : {}) }).epsilon
  let low = 0
  let high = 10
  let epsHigh = Number.POSITIVE_INFINITY
  while (epsHigh > target) {
    high *= 2
    epsHigh = epsilonAt(high)
    if (high > 1e6)
      throw new PrivacyParameterError('targetEpsilon', `${target} cannot be reached in ${query.steps} steps`)
  }
  // Bisection: ends within `tolerance`, or when [low, high] can shrink no further in doubles.
  while (target - epsHigh > tolerance && high - low > Number.EPSILON * high) {
    const mid = (low + high) / 2
    const eps = epsilonAt(mid)
    if (eps < target) {
      high = mid
      epsHigh = eps
    } else {
      low = mid
    }
  }
  return high
}
