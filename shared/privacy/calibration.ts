import { PrivacyParameterError, requireDelta, requireEpsilon, requireNonNegative } from './parameters'
import { logErfc } from './special'

/** Laplace scale b = L1 sensitivity / epsilon: pure epsilon-DP (Dwork, McSherry, Nissim and Smith 2006). */
export function laplaceScale(sensitivity: number, epsilon: number): number {
  return requireNonNegative(sensitivity, 'sensitivity') / requireEpsilon(epsilon)
}

/**
 * The classic Gaussian calibration sigma = sqrt(2 ln(1.25 / delta)) * sensitivity / epsilon (Dwork and Roth 2014,
 * Thm A.1), proven only for epsilon < 1; refused above, where it can fail to give the promised delta.
 */
export function classicGaussianSigma(sensitivity: number, epsilon: number, delta: number): number {
  requireEpsilon(epsilon)
  if (epsilon >= 1) {
    throw new PrivacyParameterError(
      'epsilon',
      `the classic Gaussian calibration holds only for epsilon < 1 (got ${epsilon}); use analyticGaussianSigma`,
    )
  }
  return (
    (Math.sqrt(2 * Math.log(1.25 / requireDelta(delta))) * requireNonNegative(sensitivity, 'sensitivity')) /
    epsilon
  )
}

const logPhi = (x: number): number => Math.log(0.5) + logErfc(-x / Math.SQRT2)

/**
 * The delta a Gaussian mechanism with noise sigma achieves at epsilon, exactly (Balle and Wang 2018, "Improving the
 * Gaussian Mechanism for Differential Privacy", Thm 8):
 * delta(sigma) = Phi(s/(2 sigma) - eps sigma/s) - e^eps Phi(-s/(2 sigma) - eps sigma/s), s the L2 sensitivity.
 */
export function gaussianDelta(sigma: number, sensitivity: number, epsilon: number): number {
  const a = sensitivity / (2 * sigma)
  const b = (epsilon * sigma) / sensitivity
  return Math.exp(logPhi(a - b)) - Math.exp(epsilon + logPhi(-a - b))
}

/**
 * The smallest sigma giving (epsilon, delta)-DP to a release of L2 sensitivity `sensitivity`: the analytic
 * Gaussian mechanism (Balle and Wang 2018), by bisection on the exact delta(sigma) above (decreasing in sigma),
 * to a relative precision of 1e-12. Valid for every epsilon > 0.
 */
export function analyticGaussianSigma(sensitivity: number, epsilon: number, delta: number): number {
  requireNonNegative(sensitivity, 'sensitivity')
  requireEpsilon(epsilon)
  requireDelta(delta)
  if (sensitivity === 0) return 0
  let low = 1e-6 * sensitivity
  let high = sensitivity
  while (gaussianDelta(high, sensitivity, epsilon) > delta) high *= 2
  while (gaussianDelta(low, sensitivity, epsilon) <= delta) low /= 2
  while (high - low > 1e-12 * high) {
    const mid = (low + high) / 2
    if (gaussianDelta(mid, sensitivity, epsilon) > delta) low = mid
    else high = mid
  }
  return high
}
