import { describe, expect, it } from 'vitest'
import type { ClientId } from '../../../shared/secagg/graph'
import { generateKeyPair, pairwiseMaskSeed } from '../../../shared/secagg/key-agreement'
import { addMask, maskInput, removeOrphanPairMask, removeSelfMask } from '../../../shared/secagg/masking'
import { randomBytes, randomWords } from '../../../shared/secagg/random'

/** n clients on the complete graph, with X25519 mask keys, self-mask seeds and inputs. */
function setup(n: number, m: number) {
  const ids: ClientId[] = Array.from({ length: n }, (_, i) => 10 * (i + 1))
  const keys = new Map(ids.map((id) => [id, generateKeyPair()]))
  const seeds = new Map(ids.map((id) => [id, randomBytes(32)]))
  const inputs = new Map(ids.map((id) => [id, randomWords(m)]))
  const pairSeeds = (u: ClientId, peers: readonly ClientId[]) =>
    peers.map((v) => ({
      peer: v,
      seed: pairwiseMaskSeed(keys.get(u)!.secretKey, keys.get(v)!.publicKey, 'r', u, v),
    }))
  const masked = (u: ClientId, peers: readonly ClientId[]) =>
    maskInput(inputs.get(u)!, u, seeds.get(u)!, pairSeeds(u, peers))
  return { ids, keys, seeds, inputs, masked }
}

const plainSum = (vectors: Uint32Array[], m: number) => {
  const sum = new Uint32Array(m)
  for (const v of vectors) addMask(sum, v, 1)
  return sum
}

describe('double masking over Z_2^32 (Bonawitz et al. 2017, section 4)', () => {
  it('pairwise masks cancel exactly; removing the self masks leaves the plain sum', () => {
    const m = 1000
    const { ids, seeds, inputs, masked } = setup(8, m)
    const sum = plainSum(
      ids.map((u) =>
        masked(
          u,
          ids.filter((v) => v !== u),
        ),
      ),
      m,
    )
    expect(sum).not.toEqual(plainSum([...inputs.values()], m))
    for (const u of ids) removeSelfMask(sum, seeds.get(u)!)
    expect(sum).toEqual(plainSum([...inputs.values()], m))
  })

  it('a masked input alone says nothing visible about the input: zeros in, near-uniform words out', () => {
    const { ids, masked, inputs } = setup(3, 4096)
    inputs.set(ids[0]!, new Uint32Array(4096))
    const y = masked(ids[0]!, ids.slice(1))
    expect(y.filter((w) => w === 0).length).toBeLessThan(3)
  })

  it('a dropped client: the server, holding its s^SK, removes the terms survivors added for it', () => {
    const m = 300
    const { ids, keys, seeds, inputs, masked } = setup(6, m)
    const dropped = ids[2]!
    const survivors = ids.filter((u) => u !== dropped)
    // Survivors masked with every peer, the dropped one included (it shared keys before dropping).
    const sum = plainSum(
      survivors.map((u) =>
        masked(
          u,
          ids.filter((v) => v !== u),
        ),
      ),
      m,
    )
    for (const u of survivors) removeSelfMask(sum, seeds.get(u)!)
    expect(sum).not.toEqual(
      plainSum(
        survivors.map((u) => inputs.get(u)!),
        m,
      ),
    )
    for (const u of survivors) {
      const seed = pairwiseMaskSeed(keys.get(dropped)!.secretKey, keys.get(u)!.publicKey, 'r', dropped, u)
      removeOrphanPairMask(sum, u, dropped, seed)
    }
    expect(sum).toEqual(
      plainSum(
        survivors.map((u) => inputs.get(u)!),
        m,
      ),
    )
  })

  it('the pairwise seed is the same from either side and bound to the round', () => {
    const a = generateKeyPair()
    const b = generateKeyPair()
    const ab = pairwiseMaskSeed(a.secretKey, b.publicKey, 'round-1', 3, 9)
    expect(pairwiseMaskSeed(b.secretKey, a.publicKey, 'round-1', 9, 3)).toEqual(ab)
    expect(pairwiseMaskSeed(a.secretKey, b.publicKey, 'round-2', 3, 9)).not.toEqual(ab)
  })
})
