import type { ClientId } from './graph'
import { expandSeed } from './prg'

/**
 * Double masking (Bonawitz et al. 2017, section 4, figure 4 round 2), over Z_{2^32}:
 *
 *   y_u = x_u + PRG(b_u) + sum_{v in N(u), v > u} PRG(s_{u,v}) - sum_{v in N(u), v < u} PRG(s_{u,v})   (mod 2^32)
 *
 * For every pair of neighbours that both send y, the pairwise terms cancel in the sum (u adds PRG(s_{u,v}) exactly
 * when v subtracts it). The paper writes the sign the other way round (+ for u > v); either cancels. The self mask
 * PRG(b_u) keeps y_u hidden even after the server learns s_u^SK, which it may if u looked dropped. A Uint32Array
 * stores every sum or difference mod 2^32, so the arithmetic below is exact.
 */

/** The sign of u's term for the pair {u, v}: +1 when the peer's id is larger, -1 when smaller. */
export const pairSign = (self: ClientId, peer: ClientId): 1 | -1 => (peer > self ? 1 : -1)

/** target += sign * mask (mod 2^32), in place. */
export function addMask(target: Uint32Array, mask: Uint32Array, sign: 1 | -1): void {
  if (mask.length !== target.length) throw new RangeError('mask and vector differ in length')
  if (sign === 1) for (let i = 0; i < target.length; i++) target[i] = target[i]! + mask[i]!
  else for (let i = 0; i < target.length; i++) target[i] = target[i]! - mask[i]!
}

export interface PairwiseSeed {
  readonly peer: ClientId
  readonly seed: Uint8Array
}

/** y_u from the quantized input x_u (not modified), u's self-mask seed b_u and its pairwise seeds s_{u,v}. */
export function maskInput(
  quantized: Uint32Array,
  self: ClientId,
  selfMaskSeed: Uint8Array,
  pairwiseSeeds: readonly PairwiseSeed[],
): Uint32Array {
  const masked = Uint32Array.from(quantized)
  addMask(masked, expandSeed(selfMaskSeed, masked.length, 'self-mask'), 1)
  for (const { peer, seed } of pairwiseSeeds) {
    if (peer === self) throw new RangeError('a client has no pairwise mask with itself')
    addMask(masked, expandSeed(seed, masked.length, 'pairwise-mask'), pairSign(self, peer))
  }
  return masked
}

/** Removes a survivor's self mask from the running sum: sum -= PRG(b_u). */
export function removeSelfMask(sum: Uint32Array, selfMaskSeed: Uint8Array): void {
  addMask(sum, expandSeed(selfMaskSeed, sum.length, 'self-mask'), -1)
}

/**
 * Removes the term a survivor u added for its pair with a dropped client v (which sent no y_v to cancel it):
 * sum -= pairSign(u, v) * PRG(s_{u,v}), the seed recomputed from v's reconstructed s_v^SK and s_u^PK.
 */
export function removeOrphanPairMask(
  sum: Uint32Array,
  survivor: ClientId,
  dropped: ClientId,
  pairSeed: Uint8Array,
): void {
  addMask(sum, expandSeed(pairSeed, sum.length, 'pairwise-mask'), pairSign(survivor, dropped) === 1 ? -1 : 1)
}
