import { combine, split } from 'shamir-secret-sharing'

/**
 * t-out-of-h Shamir secret sharing (Shamir 1979; Bonawitz et al. 2017, section 3.1) of 32-byte secrets, through the
 * audited `shamir-secret-sharing` package: byte-wise over GF(2^8), each share the secret's length plus one byte,
 * its x-coordinate (distinct, random, never zero). Any t shares give the secret back; t - 1 or fewer are
 * independent of it (each byte's polynomial has t - 1 uniformly random coefficients), so interpolating them gives
 * an unrelated value. GF(2^8) has 255 non-zero points, so at most 255 holders.
 */
export const SECRET_BYTES = 32
export const SHARE_BYTES = SECRET_BYTES + 1
export const MAX_HOLDERS = 255

/**
 * Shares of `secret` for `holders` (in the given order), any `threshold` of which reconstruct it. Programmer errors
 * (bad threshold, too many holders) throw: the round's parameters were validated before.
 */
export async function shareSecret(
  secret: Uint8Array,
  holders: readonly number[],
  threshold: number,
): Promise<Map<number, Uint8Array>> {
  if (secret.length !== SECRET_BYTES) throw new RangeError(`a shared secret is ${SECRET_BYTES} bytes`)
  if (holders.length > MAX_HOLDERS || threshold < 2 || threshold > holders.length) {
    throw new RangeError(`cannot share among ${holders.length} holders with threshold ${threshold}`)
  }
  // The package checks `constructor === Uint8Array`, which a Node Buffer fails: pass a plain copy.
  const shares = await split(Uint8Array.from(secret), holders.length, threshold)
  return new Map(holders.map((holder, i) => [holder, shares[i]!]))
}

/** Why `shares` cannot be combined (wrong length, repeated x-coordinate, too few), or null. */
export function sharesProblem(shares: readonly Uint8Array[], threshold: number): string | null {
  if (shares.length < threshold) return `${shares.length} shares, ${threshold} needed`
  const seen = new Set<number>()
  for (const share of shares) {
    if (!(share instanceof Uint8Array) || share.length !== SHARE_BYTES)
      return `a share is ${SHARE_BYTES} bytes`
    const x = share[SHARE_BYTES - 1]!
    if (x === 0) return 'a share has x-coordinate 0 (it would be the secret itself)'
    if (seen.has(x)) return `two shares have the same x-coordinate ${x}`
    seen.add(x)
  }
  return null
}

/**
 * The secret from the first `threshold` of `shares` (any t determine it). Throws a RangeError naming the problem
 * when the shares cannot be combined; a wrong share yields a wrong secret, which callers detect by checking the
 * result against a commitment or a public key.
 */
export async function reconstructSecret(
  shares: readonly Uint8Array[],
  threshold: number,
): Promise<Uint8Array> {
  const problem = sharesProblem(shares, threshold)
  if (problem) throw new RangeError(`cannot reconstruct: ${problem}`)
  return combine(shares.slice(0, threshold).map((share) => Uint8Array.from(share)))
}
