import { equalBytes, selfMaskCommitment } from './commitment'
import type { ClientId } from './graph'
import { pairwiseMaskSeed, publicKeyOf } from './key-agreement'
import { removeOrphanPairMask, removeSelfMask } from './masking'
import { reconstructSecret } from './shamir'

/**
 * The server's last step (Bonawitz et al. 2017, figure 4, round 4, server side): from the shares the unmasking
 * responders sent, rebuild b_u of every survivor u and remove PRG(b_u); rebuild s_v^SK of every client v that shared
 * keys but sent no y_v, and remove the pairwise terms its surviving neighbours added for it. What is left is the sum
 * of the survivors' quantized inputs mod 2^32. Every rebuilt secret is checked before use (b_u against its
 * commitment, s_v^SK against s_v^PK), so a wrong share ends the round with a reason instead of a wrong sum.
 */
export interface UnmaskingInput {
  readonly roundId: string
  readonly threshold: number
  /** The running sum of the survivors' masked inputs, modified in place. */
  readonly sum: Uint32Array
  /** U3: clients whose masked input is in the sum. */
  readonly survivors: ReadonlySet<ClientId>
  /** Clients that shared keys (U2) but sent no masked input, each with the survivors that masked with it. */
  readonly dropped: ReadonlyMap<ClientId, readonly ClientId[]>
  readonly maskPublicKeys: ReadonlyMap<ClientId, Uint8Array>
  readonly selfMaskCommitments: ReadonlyMap<ClientId, Uint8Array>
  /** owner -> (holder -> share) */
  readonly selfMaskSeedShares: ReadonlyMap<ClientId, ReadonlyMap<ClientId, Uint8Array>>
  readonly maskKeyShares: ReadonlyMap<ClientId, ReadonlyMap<ClientId, Uint8Array>>
}

/** Removes every mask from `input.sum` in place; or says which secret could not be rebuilt, and why. */
export async function removeMasks(
  input: UnmaskingInput,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { roundId, threshold, sum } = input
  const rebuild = async (
    owner: ClientId,
    kind: string,
    shares: ReadonlyMap<ClientId, Uint8Array> | undefined,
  ) => {
    const list = [...(shares?.values() ?? [])]
    if (list.length < threshold) {
      return `${list.length} shares of client ${owner}'s ${kind} arrived; threshold t = ${threshold}`
    }
    try {
      return await reconstructSecret(list, threshold)
    } catch (error) {
      return `client ${owner}'s ${kind}: ${(error as Error).message}`
    }
  }

  for (const survivor of input.survivors) {
    const seed = await rebuild(survivor, 'self-mask seed', input.selfMaskSeedShares.get(survivor))
    if (typeof seed === 'string') return { ok: false, reason: seed }
    const commitment = input.selfMaskCommitments.get(survivor)!
    if (!equalBytes(selfMaskCommitment(roundId, survivor, seed), commitment)) {
      return {
        ok: false,
        reason: `client ${survivor}'s self-mask seed does not match its commitment: a holder sent a wrong share`,
      }
    }
    removeSelfMask(sum, seed)
  }

  for (const [dropped, maskedWith] of input.dropped) {
    if (maskedWith.length === 0) continue
    const secretKey = await rebuild(dropped, 'mask key', input.maskKeyShares.get(dropped))
    if (typeof secretKey === 'string') return { ok: false, reason: secretKey }
    if (!equalBytes(publicKeyOf(secretKey), input.maskPublicKeys.get(dropped)!)) {
      return {
        ok: false,
        reason: `client ${dropped}'s mask key does not match its public key: a holder sent a wrong share`,
      }
    }
    for (const survivor of maskedWith) {
      const seed = pairwiseMaskSeed(
        secretKey,
        input.maskPublicKeys.get(survivor)!,
        roundId,
        dropped,
        survivor,
      )
      removeOrphanPairMask(sum, survivor, dropped, seed)
    }
  }
  return { ok: true }
}
