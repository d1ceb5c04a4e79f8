import { combine } from 'shamir-secret-sharing'
import { describe, expect, it } from 'vitest'
import { randomBytes } from '../../../shared/secagg/random'
import { reconstructSecret, SHARE_BYTES, shareSecret, sharesProblem } from '../../../shared/secagg/shamir'

/** Every k-subset of `items`. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]]
  if (items.length < k) return []
  const [first, ...rest] = items
  return [...subsets(rest, k - 1).map((s) => [first!, ...s]), ...subsets(rest, k)]
}

describe('Shamir sharing of 32-byte secrets (shamir-secret-sharing, GF(2^8))', () => {
  it('any t of h shares reconstruct the secret: every subset, for h = 7, t = 4', async () => {
    const secret = randomBytes(32)
    const holders = [3, 9, 12, 40, 41, 77, 100]
    const shares = await shareSecret(secret, holders, 4)
    expect([...shares.keys()]).toEqual(holders)
    const all = subsets([...shares.values()], 4)
    expect(all).toHaveLength(35)
    for (const subset of all) expect(await reconstructSecret(subset, 4)).toEqual(secret)
  })

  it('t - 1 shares give a wrong secret (interpolated directly, the check bypassed), for every (t - 1)-subset', async () => {
    const secret = randomBytes(32)
    const shares = [...(await shareSecret(secret, [1, 2, 3, 4, 5, 6], 4)).values()]
    for (const subset of subsets(shares, 3)) {
      const guess = await combine(subset.map((s) => Uint8Array.from(s)))
      expect(guess).not.toEqual(secret)
    }
    await expect(reconstructSecret(shares.slice(0, 3), 4)).rejects.toThrow(/3 shares, 4 needed/)
  })

  it('t - 1 shares are independent of the secret: one share of a 2-of-n sharing of a fixed byte is uniform', async () => {
    // With t = 2 each share byte is secret + a * x for a uniform a and x != 0: uniform whatever the secret is.
    const counts = new Map<number, number>()
    for (let i = 0; i < 2000; i++) {
      const [share] = (await shareSecret(new Uint8Array(32), [1, 2], 2)).values()
      for (let b = 0; b < 8; b++) counts.set(share![b]!, (counts.get(share![b]!) ?? 0) + 1)
    }
    expect(counts.size).toBeGreaterThan(240) // 16000 draws over 256 values: all but a few appear
    expect(Math.max(...counts.values())).toBeLessThan(16000 / 256 + 6 * Math.sqrt(16000 / 256))
  })

  it('refuses duplicate, malformed and too few shares, naming the problem', async () => {
    const shares = [...(await shareSecret(randomBytes(32), [1, 2, 3], 2)).values()]
    expect(sharesProblem([shares[0]!, shares[0]!], 2)).toMatch(/same x-coordinate/)
    expect(sharesProblem([shares[0]!, new Uint8Array(10)], 2)).toMatch(`a share is ${SHARE_BYTES} bytes`)
    const zeroX = Uint8Array.from(shares[1]!)
    zeroX[SHARE_BYTES - 1] = 0
    expect(sharesProblem([shares[0]!, zeroX], 2)).toMatch(/x-coordinate 0/)
    await expect(reconstructSecret([shares[0]!], 2)).rejects.toThrow(/1 shares, 2 needed/)
    await expect(
      shareSecret(
        randomBytes(32),
        Array.from({ length: 256 }, (_, i) => i + 1),
        2,
      ),
    ).rejects.toThrow(/256 holders/)
  })
})
