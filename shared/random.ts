/** A source of uniform numbers in [0, 1). Injected wherever randomness is used, so tests can seed it. */
export type RandomSource = () => number

/**
 * Uniform [0, 1) from the platform's cryptographic generator (Web Crypto, in Node and browsers alike).
 * Use this for anything that touches privacy: client sampling, noise, ids.
 */
export function secureRandom(): number {
  const words = new Uint32Array(2)
  crypto.getRandomValues(words)
  // 53 random bits: 21 from the first word, 32 from the second.
  return ((words[0]! >>> 11) * 2 ** 32 + words[1]!) / 2 ** 53
}

/**
 * A fast seeded generator (sfc32, Doty-Humphrey's PractRand small fast counter) for reproducible, non-private
 * work: demo data and initial weights. Never for noise or keys.
 */
export function seededRandom(seed: number): RandomSource {
  let a = 0x9e3779b9
  let b = 0x243f6a88
  let c = 0xb7e15162
  let d = seed >>> 0
  const next = (): number => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    const t = (a + b + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 2 ** 32
  }
  for (let i = 0; i < 12; i++) next()
  return next
}

/** A standard normal draw (Box-Muller). For demo data only: not a DP noise sampler. */
export function standardNormal(random: RandomSource): number {
  let u = 0
  while (u === 0) u = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** `count` distinct items drawn uniformly (partial Fisher-Yates); all of them, shuffled, if count >= length. */
export function sampleWithoutReplacement<T>(items: readonly T[], count: number, random: RandomSource): T[] {
  const pool = [...items]
  const take = Math.min(count, pool.length)
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    const held = pool[i]!
    pool[i] = pool[j]!
    pool[j] = held
  }
  return pool.slice(0, take)
}
