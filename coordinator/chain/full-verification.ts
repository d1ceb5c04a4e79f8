import { type Block, type ChainCheck, verifyChainSteps } from '../../shared/chain/block'
import type { VerifyCheck } from './chain-health'
import type { ChainStore, LoadResult } from './chain-store'
import { runSliced } from './sliced'

export type FullVerification =
  | { ok: true }
  | { ok: false; index: number; check: VerifyCheck; message: string }

const short = (hash: string | undefined): string => `${(hash ?? 'none').slice(0, 12)}…`

/**
 * Verifies a chain from genesis in slices of `sliceMs`, yielding to the event loop between them: the stored files
 * (blocks and head checkpoint, as `privx verify` reads them) when there is a store, else the blocks in memory. Then
 * checks that what was verified is the running chain `expected`: the same height and head. The files are read
 * before the first await, in the caller's turn, so no block is appended between taking `expected` and reading them.
 */
export async function verifyFully(
  store: ChainStore | null,
  expected: readonly Block[],
  sliceMs: number,
): Promise<FullVerification> {
  const want = expected.at(-1)
  if (!want) throw new Error('a running chain has at least its genesis block')
  const steps = store ? store.check(store.read()) : verifyChainSteps(expected, want.header.chainId)
  const { value } = await runSliced<LoadResult | ChainCheck>(steps, sliceMs)
  if (!value.ok) return { ok: false, ...value.fault }
  const height = 'blocks' in value ? value.blocks.length : value.height
  const head = 'blocks' in value ? value.blocks.at(-1)?.hash : want.hash
  const last = expected.length - 1
  if (height < expected.length) {
    const missing = height === last ? `block ${last} is missing` : `blocks ${height}–${last} are missing`
    return {
      ok: false,
      index: height,
      check: 'truncated',
      message: `the running chain's head is block ${last} (hash ${short(want.hash)}); the file ends at block ${height - 1}: ${missing}`,
    }
  }
  if (height !== expected.length || head !== want.hash)
    return {
      ok: false,
      index: last,
      check: 'diverged',
      message: `the file's chain (${height} blocks, head ${short(head)}) is not the running chain (${expected.length} blocks, head ${short(want.hash)})`,
    }
  return { ok: true }
}
