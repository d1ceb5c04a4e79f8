/** A privacy parameter out of its valid range: a programmer or configuration error, naming the parameter. */
export class PrivacyParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`)
    this.name = 'PrivacyParameterError'
  }
}

const finite = (name: string, value: number): void => {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new PrivacyParameterError(name, `must be a finite number, got ${value}`)
}

export function requireEpsilon(epsilon: number, name = 'epsilon'): number {
  finite(name, epsilon)
  if (epsilon <= 0) throw new PrivacyParameterError(name, `must be positive, got ${epsilon}`)
  return epsilon
}

export function requireDelta(delta: number, name = 'delta'): number {
  finite(name, delta)
  if (delta <= 0 || delta >= 1) throw new PrivacyParameterError(name, `must be in (0, 1), got ${delta}`)
  return delta
}

/** Sensitivities and clip norms: non-negative and finite (0 is allowed for a constant query). */
export function requireNonNegative(value: number, name: string): number {
  finite(name, value)
  if (value < 0) throw new PrivacyParameterError(name, `must not be negative, got ${value}`)
  return value
}

export function requirePositive(value: number, name: string): number {
  finite(name, value)
  if (value <= 0) throw new PrivacyParameterError(name, `must be positive, got ${value}`)
  return value
}

/** A sampling probability in (0, 1]. */
export function requireSampleRate(q: number, name = 'sampleRate'): number {
  finite(name, q)
  if (q <= 0 || q > 1) throw new PrivacyParameterError(name, `must be in (0, 1], got ${q}`)
  return q
}

/** A count of steps: an integer >= `min` (0 where "nothing ran yet" is meaningful, 1 where a plan needs a step). */
export function requireSteps(steps: number, name = 'steps', min: 0 | 1 = 0): number {
  if (!Number.isInteger(steps) || steps < min)
    throw new PrivacyParameterError(
      name,
      min === 0 ? `must be a non-negative integer, got ${steps}` : `must be an integer >= 1, got ${steps}`,
    )
  return steps
}
