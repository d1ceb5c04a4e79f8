import { HeError } from './errors'

/**
 * Encryption parameters as data (pure: no SEAL needed to check them). BFV sums integers exactly modulo the plain
 * modulus; CKKS computes approximately on reals at `scaleBits` of fixed-point precision.
 */
export type HeParameters =
  | {
      readonly scheme: 'bfv'
      readonly polyModulusDegree: number
      readonly coeffModulusBits: readonly number[]
      /** Bits of the batching prime t (t = 1 mod 2N); sums live in (-t/2, t/2). */
      readonly plainModulusBits: number
    }
  | {
      readonly scheme: 'ckks'
      readonly polyModulusDegree: number
      /** First prime: output precision headroom; middle primes: one per rescale; last: the key-switching prime. */
      readonly coeffModulusBits: readonly number[]
      readonly scaleBits: number
    }

/**
 * Largest total coefficient-modulus bits at 128-bit classical security, per polynomial degree (HomomorphicEncryption.org
 * standard, as SEAL 4.1 enforces; ../shared/reference/privacy.md).
 */
export const MAX_COEFF_BITS_128: Readonly<Record<number, number>> = {
  1024: 27,
  2048: 54,
  4096: 109,
  8192: 218,
  16384: 438,
  32768: 881,
}

/** Presets at 128-bit security. */
export const HE_PRESETS = {
  /** Aggregation default: 8192 integer slots, exact sums, 40-bit plain modulus. */
  'bfv-8192': {
    scheme: 'bfv',
    polyModulusDegree: 8192,
    coeffModulusBits: [43, 43, 44, 44, 44],
    plainModulusBits: 40,
  },
  /** Smaller and faster; 4096 slots, 30-bit sums: less quantization headroom. */
  'bfv-4096': {
    scheme: 'bfv',
    polyModulusDegree: 4096,
    coeffModulusBits: [36, 36, 37],
    plainModulusBits: 30,
  },
  /** CKKS for sums: 4096 real slots, about 1e-8 error per value in [-1, 1] (one rescale of depth). */
  'ckks-8192': { scheme: 'ckks', polyModulusDegree: 8192, coeffModulusBits: [60, 40, 40, 60], scaleBits: 40 },
  /** CKKS with three rescales (a dot product and a cubic): what logistic inference needs. */
  'ckks-8192-depth3': {
    scheme: 'ckks',
    polyModulusDegree: 8192,
    coeffModulusBits: [50, 30, 30, 30, 50],
    scaleBits: 30,
  },
  /** CKKS with more depth and precision, 8192 slots. */
  'ckks-16384': {
    scheme: 'ckks',
    polyModulusDegree: 16384,
    coeffModulusBits: [60, 40, 40, 40, 40, 60],
    scaleBits: 40,
  },
} as const satisfies Record<string, HeParameters>

export type HePresetName = keyof typeof HE_PRESETS

/** Values one ciphertext holds: N for BFV (batching), N/2 for CKKS. */
export function slotCount(params: HeParameters): number {
  return params.scheme === 'bfv' ? params.polyModulusDegree : params.polyModulusDegree / 2
}

/** Throws HeError('invalid-parameters') naming the first thing wrong; returns the parameters when they are valid. */
export function validateParameters(params: HeParameters): HeParameters {
  const bad = (message: string): never => {
    throw new HeError('invalid-parameters', message)
  }
  const n = params.polyModulusDegree
  const cap = MAX_COEFF_BITS_128[n]
  if (cap === undefined) {
    bad(`polyModulusDegree ${n} is not one of ${Object.keys(MAX_COEFF_BITS_128).join(', ')}`)
  }
  const bits = params.coeffModulusBits
  if (bits.length < 2) bad('coeffModulusBits needs at least two primes (data and key-switching)')
  bits.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 20 || b > 60)
      bad(`coeffModulusBits[${i}] = ${b}: each prime must be 20 to 60 bits`)
  })
  const total = bits.reduce((a, b) => a + b, 0)
  if (total > cap!) {
    bad(
      `coefficient modulus of ${total} bits (${bits.join('+')}) is over the 128-bit security limit of ${cap} bits for N = ${n}`,
    )
  }
  if (params.scheme === 'bfv') {
    const t = params.plainModulusBits
    if (!Number.isInteger(t) || t < 17 || t > 60) bad(`plainModulusBits ${t}: must be 17 to 60 for batching`)
    if (t >= Math.min(...bits)) bad(`plainModulusBits ${t} must be below the smallest coefficient prime`)
  } else {
    const s = params.scaleBits
    if (!Number.isInteger(s) || s < 10 || s > 60) bad(`scaleBits ${s}: must be 10 to 60`)
    if (s >= bits[0]!)
      bad(`scaleBits ${s} must be below the first coefficient prime (${bits[0]} bits) to decode`)
  }
  return params
}

/** A stable identifier of the parameters: ciphertexts carry it so mixing contexts is caught before SEAL sees it. */
export function parametersId(params: HeParameters): string {
  const tail = params.scheme === 'bfv' ? `t${params.plainModulusBits}` : `s${params.scaleBits}`
  return `${params.scheme}-${params.polyModulusDegree}-${params.coeffModulusBits.join('.')}-${tail}`
}
