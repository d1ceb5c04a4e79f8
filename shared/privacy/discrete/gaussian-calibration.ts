import { PrivacyParameterError, requireDelta, requireEpsilon } from '../parameters'
import { exactRational, type Rational } from './rational'

/**
 * Calibration of the discrete Gaussian for (epsilon, delta)-DP through concentrated DP, the route CKS 2020 prove
 * for it: N_Z(0, sigma^2) on a query of integer sensitivity Delta is rho-zCDP with rho = Delta^2 / (2 sigma^2)
 * (Theorem 4), and rho-zCDP implies (epsilon, delta)-DP for
 *   delta = inf over alpha > 1 of exp((alpha - 1)(alpha rho - epsilon)) / (alpha - 1) * (1 - 1/alpha)^alpha
 * (CKS 2020, Corollary 13). Any alpha gives a valid delta, so an approximate minimiser only errs towards more
 * noise. This is a little more noise than the analytic Gaussian (Balle and Wang 2018), which is proven for the
 * continuous Gaussian only.
 */

/** ln delta at one order alpha (the expression inside CKS 2020, Corollary 13). */
function logDeltaAt(alpha: number, rho: number, epsilon: number): number {
  return (alpha - 1) * (alpha * rho - epsilon) - Math.log(alpha - 1) + alpha * Math.log1p(-1 / alpha)
}

/** The delta rho-zCDP gives at epsilon: CKS 2020, Corollary 13, minimised over alpha by golden-section search. */
export function zcdpDelta(rho: number, epsilon: number): number {
  if (!(rho > 0)) return 0
  let low = 1 + 1e-9
  let high = Math.max(4, (2 * epsilon) / rho + 4)
  const phi = (Math.sqrt(5) - 1) / 2
  for (let i = 0; i < 200; i++) {
    const a = high - phi * (high - low)
    const b = low + phi * (high - low)
    if (logDeltaAt(a, rho, epsilon) < logDeltaAt(b, rho, epsilon)) high = b
    else low = a
  }
  return Math.min(1, Math.exp(logDeltaAt((low + high) / 2, rho, epsilon)))
}

/**
 * The variance sigma^2 (an exact rational, rounded up to a 2^-16 grid) of the discrete Gaussian that gives
 * (epsilon, delta)-DP to a query of integer sensitivity `sensitivity`, by bisection on sigma of `zcdpDelta`.
 */
export function discreteGaussianVarianceFor(sensitivity: number, epsilon: number, delta: number): Rational {
  if (!Number.isSafeInteger(sensitivity) || sensitivity < 1)
    throw new PrivacyParameterError(
      'sensitivity',
      `must be a whole number of grid steps >= 1, got ${sensitivity}`,
    )
  requireEpsilon(epsilon)
  requireDelta(delta)
  const rhoOf = (sigma: number) => (sensitivity * sensitivity) / (2 * sigma * sigma)
  let low = 1e-3 * sensitivity
  let high = sensitivity
  while (zcdpDelta(rhoOf(high), epsilon) > delta) high *= 2
  for (let i = 0; i < 100 && high - low > 1e-9 * high; i++) {
    const mid = (low + high) / 2
    if (zcdpDelta(rhoOf(mid), epsilon) > delta) low = mid
    else high = mid
  }
  // sigma^2 rounded up on the 2^-16 grid: the noise is never below what the bisection found sufficient.
  const grid = 2 ** 16
  const exact = exactRational(Math.ceil(high * high * grid))
  return { num: exact.num, den: BigInt(grid) }
}
