import { expect } from 'vitest'
import { type RandomSource, seededRandom, standardNormal } from '../../../../shared/random'

export const v = (...values: number[]): Float32Array => Float32Array.from(values)

/** `count` vectors of `length` standard normal values times `scale`, from a seeded source. */
export function normalVectors(
  random: RandomSource,
  count: number,
  length: number,
  scale = 1,
): Float32Array[] {
  return Array.from({ length: count }, () =>
    Float32Array.from({ length }, () => scale * standardNormal(random)),
  )
}

/** Seeds for the property tests: fixed, so a failure reproduces. */
export const SEEDS = Array.from({ length: 25 }, (_, i) => 1000 + i)

export const seeded = seededRandom

/** The L2 distance between two vectors, in float64. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2
  return Math.sqrt(sum)
}

/** The unweighted mean of vectors, in float64. */
export function mean(vectors: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(vectors[0]!.length)
  for (const x of vectors) for (let j = 0; j < out.length; j++) out[j]! += x[j]! / vectors.length
  return out
}

/** Each value of `actual` within 10^-digits / 2 of `expected`'s (vitest's toBeCloseTo). */
export function expectCloseTo(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 6): void {
  expect(actual.length).toBe(expected.length)
  for (let j = 0; j < actual.length; j++) expect(actual[j]!).toBeCloseTo(expected[j]!, digits)
}
