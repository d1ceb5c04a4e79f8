import { PrivacyParameterError } from './parameters'

/**
 * Confidence intervals for values released with Laplace noise, computed from the mechanism alone (the noise's scale
 * and the confidence wanted), never from the data, so publishing them costs no privacy (post-processing, Dwork and
 * Roth 2014, Prop. 2.1). They cover the noise only: the truth they bracket is the statistic of the clamped rows
 * (rounded to the release's grid, statistics.ts). Releases on a grid of granularity g (discrete Laplace, Canonne,
 * Kamath and Steinke 2020) use the exact discrete tail: the continuous formula would under-cover by up to a factor
 * 2 / (1 + e^(-g/b)) in the failure probability.
 */
export interface Interval {
  readonly low: number
  readonly high: number
}

function requireConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1))
    throw new PrivacyParameterError('confidence', `must lie in (0, 1), got ${confidence}`)
  return confidence
}

/**
 * Half-width t with P(|L| > t) <= alpha. Continuous L ~ Laplace(0, b) (no granularity): P(|L| > t) = e^(-t/b), so
 * t = b ln(1 / alpha), exact. Discrete L = g Z, Z ~ Lap_Z(b / g): P(|Z| > k) = 2 q^(k+1) / (1 + q) with
 * q = e^(-g/b), and t = g k for the smallest such k: exact up to the discreteness (cover at least 1 - alpha).
 */
export function laplaceHalfWidth(scale: number, alpha: number, granularity?: number): number {
  if (granularity === undefined) return scale * Math.log(1 / alpha)
  const q = Math.exp(-granularity / scale)
  const tail = (k: number) => (2 * q ** (k + 1)) / (1 + q)
  let k = Math.max(0, Math.floor(Math.log((alpha * (1 + q)) / 2) / Math.log(q) - 1))
  while (k > 0 && tail(k - 1) <= alpha) k--
  while (tail(k) > alpha) k++
  return granularity * k
}

/**
 * An interval for one noisy value: value ± the half-width at failure probability 1 - confidence; its cover is
 * exactly `confidence` for continuous noise and at least `confidence` on a grid of `granularity`.
 */
export function laplaceInterval(
  value: number,
  scale: number,
  confidence = 0.95,
  granularity?: number,
): Interval {
  const t = laplaceHalfWidth(scale, 1 - requireConfidence(confidence), granularity)
  return { low: value - t, high: value + t }
}

/** The range of a / b over a box of a and b with b > 0: a / b is monotone in each, so its extremes are corners. */
export function ratioRange(a: Interval, b: Interval): Interval {
  const corners = [a.low / b.low, a.low / b.high, a.high / b.low, a.high / b.high]
  return { low: Math.min(...corners), high: Math.max(...corners) }
}

const clampTo = (i: Interval, low: number, high: number): Interval => ({
  low: Math.min(high, Math.max(low, i.low)),
  high: Math.max(low, Math.min(high, i.high)),
})

/** A released Laplace value: the noisy number, the scale of its noise, and its grid when it is discrete. */
export interface NoisyValue {
  readonly value: number
  readonly scale: number
  readonly granularity?: number
}

const halfWidthOf = (v: NoisyValue, alpha: number): number => laplaceHalfWidth(v.scale, alpha, v.granularity)

/**
 * The interval of a row count n >= 1 a ratio divides by, at failure probability `alpha`. The true count of a
 * non-empty dataset is at least 1, so the lower end never reaches 0 and the ratio stays bounded.
 */
function countRange(count: NoisyValue, alpha: number): Interval {
  const t = halfWidthOf(count, alpha)
  return { low: Math.max(1, count.value - t), high: Math.max(1, count.value + t) }
}

/**
 * Interval for the mean of values clamped to [centre - h, centre + h], released as a noisy sum of the centred
 * values (S + L_S, L_S ~ Laplace(h / eps_S)) over a noisy count (n + L_n). The ratio's noise is not Laplace, so
 * its interval is propagated conservatively: each noise is bounded at failure probability (1 - confidence) / 2
 * (exact Laplace tails, discrete on a grid), and the mean S / n lies in the ratio of the two boxes whenever both hold, so by the union
 * bound it is covered with probability at least `confidence`. The interval is cut to [-h, h] around the centre,
 * where the mean of clamped values always is.
 */
export function meanInterval(
  centredSum: NoisyValue,
  count: NoisyValue,
  centre: number,
  halfRange: number,
  confidence = 0.95,
): Interval {
  const alpha = (1 - requireConfidence(confidence)) / 2
  const t = halfWidthOf(centredSum, alpha)
  const ratio = ratioRange(
    { low: centredSum.value - t, high: centredSum.value + t },
    countRange(count, alpha),
  )
  const r = clampTo(ratio, -halfRange, halfRange)
  return { low: centre + r.low, high: centre + r.high }
}

/**
 * Interval for the (population) variance v = Q / n - (S / n)^2 of values clamped to [centre - h, centre + h], from
 * a noisy centred sum S, a noisy centred sum of squares Q and a noisy count n. Each of the three noises is bounded
 * at failure probability (1 - confidence) / 3; when all hold, Q / n and S / n lie in their ratio boxes and
 * v lies in [min Q/n - max (S/n)^2, max Q/n - min (S/n)^2], so by the union bound the cover is at least
 * `confidence`. Cut to [0, h^2], the largest variance values in the bounds can have.
 */
export function varianceInterval(
  centredSum: NoisyValue,
  centredSquares: NoisyValue,
  count: NoisyValue,
  halfRange: number,
  confidence = 0.95,
): Interval {
  const alpha = (1 - requireConfidence(confidence)) / 3
  const n = countRange(count, alpha)
  const tS = halfWidthOf(centredSum, alpha)
  const tQ = halfWidthOf(centredSquares, alpha)
  const h2 = halfRange * halfRange
  const r = clampTo(
    ratioRange({ low: centredSum.value - tS, high: centredSum.value + tS }, n),
    -halfRange,
    halfRange,
  )
  const q = clampTo(ratioRange({ low: centredSquares.value - tQ, high: centredSquares.value + tQ }, n), 0, h2)
  const maxSquare = Math.max(r.low * r.low, r.high * r.high)
  const minSquare = r.low <= 0 && r.high >= 0 ? 0 : Math.min(r.low * r.low, r.high * r.high)
  return clampTo({ low: q.low - maxSquare, high: q.high - minSquare }, 0, h2)
}
