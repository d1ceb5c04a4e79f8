import { type RandomSource, secureRandom } from '../../random'

/**
 * Uniform random bits for the exact discrete samplers (Canonne, Kamath and Steinke 2020, "The Discrete Gaussian
 * for Differential Privacy"): every decision they take is an integer comparison against uniform integers built
 * from these words, so no floating-point rounding shapes a released value (Mironov 2012).
 *
 * Contract: each call returns an independent uniform integer in [0, 2^32). Production uses `secureWords`
 * (crypto.getRandomValues); tests inject a seeded source (`wordsFrom(seededRandom(seed))`) to be reproducible.
 */
export type RandomWords = () => number

const TWO_32 = 2 ** 32

/**
 * Words from crypto.getRandomValues, fetched `batch` at a time (one call per 4 KiB by default: the Web Crypto
 * call dominates the samplers' cost otherwise). The buffer is read once, front to back, and never reused.
 */
export function cryptoWords(batch = 1024): RandomWords {
  let buffer = new Uint32Array(0)
  let next = 0
  return () => {
    if (next === buffer.length) {
      buffer = new Uint32Array(batch)
      crypto.getRandomValues(buffer)
      next = 0
    }
    return buffer[next++]!
  }
}

/** The process's cryptographic word source: what every release uses unless a test injects another. */
export const secureWords: RandomWords = cryptoWords()

/**
 * Words from a `RandomSource` (uniform [0, 1)): its top 32 bits, exact for `secureRandom` (53 bits) and
 * `seededRandom` (32 bits). `secureRandom` itself maps to `secureWords`, so production callers that pass the
 * default float source still draw straight from crypto.getRandomValues.
 */
export function wordsFrom(random: RandomSource): RandomWords {
  if (random === secureRandom) return secureWords
  return () => Math.floor(random() * TWO_32) >>> 0
}

/** A uniform integer in [0, m) for a safe integer m >= 1, by rejection on whole words: exactly uniform. */
export function uniformBelowNumber(m: number, words: RandomWords): number {
  if (m <= TWO_32) {
    const limit = Math.floor(TWO_32 / m) * m
    for (;;) {
      const w = words()
      if (w < limit) return w % m
    }
  }
  const limit = Math.floor(2 ** 53 / m) * m
  for (;;) {
    const w = (words() >>> 11) * TWO_32 + words()
    if (w < limit) return w % m
  }
}

/**
 * A uniform integer in [0, m) for any m >= 1: safe integers through `uniformBelowNumber`, larger ones by drawing
 * bitLength(m) bits and rejecting values >= m (each try succeeds with probability above 1/2).
 */
export function uniformBelow(m: bigint, words: RandomWords): bigint {
  if (m < 1n) throw new RangeError(`uniformBelow: bound ${m} must be >= 1`)
  if (m <= 9_007_199_254_740_991n) return BigInt(uniformBelowNumber(Number(m), words))
  const bits = m.toString(2).length
  const wordsNeeded = Math.ceil(bits / 32)
  const excess = BigInt(wordsNeeded * 32 - bits)
  for (;;) {
    let x = 0n
    for (let i = 0; i < wordsNeeded; i++) x = (x << 32n) | BigInt(words())
    x >>= excess
    if (x < m) return x
  }
}
