import type { Block } from './block'
import { canonicalBytes, type Json } from './encoding'
import { addressOf, verifySignature } from './keys'
import { RoundLog } from './round-log'
import type { ChainState, TrainingRound } from './state'
import { commitmentOf, STATE_COMMITMENT_VERSION } from './state-commitment'

/**
 * The chain state after block `height - 1`, kept beside the chain so that start-up replays only the blocks after
 * it (issue 17: start-up time no longer grows with the chain). It needs no signature of its own: it is used only
 * when its commitment equals the state root in that block's header, which the producer signed and the hash links
 * tie to the signed head. A snapshot that does not match is a stale cache, never a fault: start-up verifies from
 * genesis instead and says why.
 */
export interface StateSnapshot {
  readonly kind: 'privx.state-snapshot'
  readonly chainId: string
  readonly height: number
  /** The hash of block `height - 1`. */
  readonly head: string
  readonly state: Json
}

export function snapshotOf(head: Block, state: ChainState): StateSnapshot {
  return {
    kind: 'privx.state-snapshot',
    chainId: head.header.chainId,
    height: head.header.index + 1,
    head: head.hash,
    state: JSON.parse(JSON.stringify(state)) as Json,
  }
}

export type SnapshotUse = { ok: true; height: number; state: ChainState } | { ok: false; why: string }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The snapshot's state when it is the state the chain committed to at its height; else why not. */
export function stateFromSnapshot(snapshot: unknown, blocks: readonly Block[]): SnapshotUse {
  if (!isObject(snapshot) || snapshot.kind !== 'privx.state-snapshot')
    return { ok: false, why: 'it is not a state snapshot' }
  const { height, head, state, chainId } = snapshot
  if (typeof height !== 'number' || !Number.isInteger(height) || height < 1 || height > blocks.length)
    return {
      ok: false,
      why: `its height ${String(height)} is not within the chain's ${blocks.length} blocks`,
    }
  const block = blocks[height - 1]!
  if (block.hash !== head || block.header.chainId !== chainId)
    return { ok: false, why: `it is not the state after block ${height - 1} of this chain` }
  if (block.header.stateVersion !== STATE_COMMITMENT_VERSION)
    return { ok: false, why: `block ${height - 1} predates the incremental state commitment` }
  if (!isObject(state) || !Array.isArray(state.rounds))
    return { ok: false, why: 'its state has no training records' }
  const revived = {
    ...state,
    rounds: RoundLog.from(state.rounds as TrainingRound[]),
  } as unknown as ChainState
  let root: string
  try {
    // Memoized: the next block's commitment starts from this one instead of rebuilding it.
    root = commitmentOf(revived).root
  } catch (error) {
    return { ok: false, why: `its state cannot be committed to: ${(error as Error).message}` }
  }
  if (root !== block.header.stateRoot)
    return { ok: false, why: `its state does not match block ${height - 1}'s state root` }
  // The producer's own signature of that block, so the state root is vouched for even when the head checkpoint is
  // older than the snapshot.
  const signed = verifySignature(block.signature, canonicalBytes(block.hash), block.header.producer)
  if (!signed || addressOf(block.header.producer) !== revived.producer)
    return { ok: false, why: `block ${height - 1} is not signed by the chain's producer` }
  return { ok: true, height, state: revived }
}
