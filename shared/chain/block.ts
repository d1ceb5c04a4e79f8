import { fail, ok, type Result } from '../result'
import { canonicalBytes, hashOf, hexToBytes, type Json } from './encoding'
import { addressOf, type KeyPair, sign, verifySignature } from './keys'
import { applyTransaction } from './ledger'
import { inclusionProof, merkleRoot, verifyInclusion } from './merkle'
import { type ChainState, emptyState } from './state'
import { commitmentOf, STATE_COMMITMENT_VERSION } from './state-commitment'
import { runSteps } from './steps'
import type { SignedTransaction } from './transaction'
import { checkTransactionTime } from './tx-time'

export const GENESIS_PREVIOUS_HASH = '0'.repeat(64)

export interface BlockHeader {
  readonly chainId: string
  readonly index: number
  readonly previousHash: string
  readonly timestamp: number
  /** RFC 6962 Merkle root over the transaction ids, in block order. */
  readonly txRoot: string
  readonly txCount: number
  /**
   * The commitment to the chain state after this block's transactions: with `stateVersion` 2, the incremental
   * commitment of state-commitment.ts; absent (blocks written before issue 17), SHA-256 of the canonical state.
   */
  readonly stateRoot: string
  /** How `stateRoot` is computed: 2, or absent for the original whole-state hash. */
  readonly stateVersion?: typeof STATE_COMMITMENT_VERSION
  /** The producer's Ed25519 public key. */
  readonly producer: string
}

export interface Block {
  readonly header: BlockHeader
  /** SHA-256 of the canonical header. */
  readonly hash: string
  /** The producer's signature of the hash. */
  readonly signature: string
  readonly transactions: readonly SignedTransaction[]
}

/** Where a chain check failed: the block and which check. */
export interface ChainFault {
  readonly index: number
  readonly check:
    | 'index'
    | 'chain-id'
    | 'previous-hash'
    | 'timestamp'
    | 'block-hash'
    | 'producer'
    | 'producer-signature'
    | 'merkle-root'
    | 'transaction'
    | 'transaction-time'
    | 'state-root'
  readonly message: string
}

const leavesOf = (txs: readonly SignedTransaction[]): Uint8Array[] => txs.map((tx) => hexToBytes(tx.id))

/** The original state root (blocks without `stateVersion`): SHA-256 of the whole state, canonically encoded. */
export const wholeStateRoot = (state: ChainState): string =>
  hashOf({ ...state, rounds: state.rounds.toArray() } as unknown as Json)

/** The state root a header of `version` carries for `after`, the state that followed `before`. */
export function stateRootOf(
  version: BlockHeader['stateVersion'],
  after: ChainState,
  before: ChainState,
): string {
  return version === STATE_COMMITMENT_VERSION ? commitmentOf(after, before).root : wholeStateRoot(after)
}

/** Applies transactions in order; the first that fails stops it, with its index. */
export function applyAll(
  state: ChainState,
  txs: readonly SignedTransaction[],
): Result<ChainState> & { failedAt?: number } {
  let current = state
  for (const [i, tx] of txs.entries()) {
    const next = applyTransaction(current, tx)
    if (!next.ok) return { ...next, failedAt: i }
    current = next.value
  }
  return ok(current)
}

/** The first transaction dated outside the window around `blockTime` (see tx-time.ts), with its index. */
function firstOutOfTime(
  txs: readonly SignedTransaction[],
  blockTime: number,
): { index: number; message: string } | null {
  for (const [index, tx] of txs.entries()) {
    const timed = checkTransactionTime(tx, blockTime)
    if (!timed.ok) return { index, message: timed.error.message }
  }
  return null
}

/**
 * The next block on `previous` (null for genesis) with these transactions, produced and signed by `producer`.
 * Every transaction must apply and be dated within the window around the block's time (`checkTransactionTime`);
 * otherwise the first refusal comes back, naming the transaction when there are several.
 */
export function produceBlock(
  previous: { block: Block; state: ChainState } | { chainId: string },
  txs: readonly SignedTransaction[],
  producer: KeyPair,
  timestamp: number,
): Result<{ block: Block; state: ChainState }> {
  const base = 'block' in previous ? previous.state : emptyState(previous.chainId)
  const after = applyAll(base, txs)
  if (!after.ok) {
    const where = txs.length > 1 ? `transaction ${after.failedAt}: ` : ''
    return fail(after.error.code, `${where}${after.error.message}`)
  }
  const blockTime = Math.max(timestamp, 'block' in previous ? previous.block.header.timestamp : 0)
  const late = firstOutOfTime(txs, blockTime)
  if (late)
    return fail('bad-payload', `${txs.length > 1 ? `transaction ${late.index}: ` : ''}${late.message}`)
  const header: BlockHeader = {
    chainId: base.chainId,
    index: 'block' in previous ? previous.block.header.index + 1 : 0,
    previousHash: 'block' in previous ? previous.block.hash : GENESIS_PREVIOUS_HASH,
    timestamp: blockTime,
    txRoot: merkleRoot(leavesOf(txs)),
    txCount: txs.length,
    stateRoot: stateRootOf(STATE_COMMITMENT_VERSION, after.value, base),
    stateVersion: STATE_COMMITMENT_VERSION,
    producer: producer.publicKey,
  }
  const hash = hashOf(header as unknown as Json)
  return ok({
    block: { header, hash, signature: sign(canonicalBytes(hash), producer.secretKey), transactions: txs },
    state: after.value,
  })
}

/** The first fault of a header on `previous`: its index, chain, hash link, time order and its own hash. */
function headerFault(block: Block, previous: Block | null, chainId: string): ChainFault | null {
  const index = previous ? previous.header.index + 1 : 0
  const h = block.header
  const fault = (check: ChainFault['check'], message: string): ChainFault => ({ index, check, message })
  if (h.index !== index) return fault('index', `block ${index} says it is block ${h.index}`)
  if (h.chainId !== chainId) return fault('chain-id', `block ${index} is for chain "${h.chainId}"`)
  const expectedPrevious = previous ? previous.hash : GENESIS_PREVIOUS_HASH
  if (h.previousHash !== expectedPrevious)
    return fault('previous-hash', `block ${index} does not link to block ${index - 1}`)
  if (previous && h.timestamp < previous.header.timestamp)
    return fault('timestamp', `block ${index} is older than block ${index - 1}`)
  if (hashOf(h as unknown as Json) !== block.hash)
    return fault('block-hash', `block ${index}'s hash does not match its header`)
  return null
}

/**
 * Verifies one block on top of the state before it: index, chain, hash link, time order, header hash, producer and
 * signature, Merkle root, every transaction's date (within the window around the block's time), every transaction
 * (signature, nonce, contract), and the state root after replaying them.
 */
export function verifyBlock(
  block: Block,
  before: ChainState,
  previous: Block | null,
): { ok: true; state: ChainState } | { ok: false; fault: ChainFault } {
  const index = previous ? previous.header.index + 1 : 0
  const h = block.header
  const fault = (check: ChainFault['check'], message: string) => ({
    ok: false as const,
    fault: { index, check, message },
  })
  const linked = headerFault(block, previous, before.chainId)
  if (linked) return { ok: false, fault: linked }
  if (!verifySignature(block.signature, canonicalBytes(block.hash), h.producer)) {
    return fault('producer-signature', `block ${index}'s producer signature is invalid`)
  }
  if (merkleRoot(leavesOf(block.transactions)) !== h.txRoot || block.transactions.length !== h.txCount) {
    return fault('merkle-root', `block ${index}'s transactions do not match its Merkle root`)
  }
  const late = firstOutOfTime(block.transactions, h.timestamp)
  if (late) return fault('transaction-time', `block ${index}, transaction ${late.index}: ${late.message}`)
  const after = applyAll(before, block.transactions)
  if (!after.ok)
    return fault('transaction', `block ${index}, transaction ${after.failedAt}: ${after.error.message}`)
  if (addressOf(h.producer) !== after.value.producer)
    return fault('producer', `block ${index} was not produced by the chain's producer`)
  if (h.stateVersion !== undefined && h.stateVersion !== STATE_COMMITMENT_VERSION)
    return fault(
      'state-root',
      `block ${index} has state version ${h.stateVersion}, which this version cannot check`,
    )
  if (stateRootOf(h.stateVersion, after.value, before) !== h.stateRoot)
    return fault('state-root', `block ${index}'s state root does not match the replayed state`)
  return { ok: true, state: after.value }
}

export type ChainCheck = { ok: true; state: ChainState; height: number } | { ok: false; fault: ChainFault }

/**
 * `verifyChain` one block a step: yields the index of each block once it is verified and returns what
 * `verifyChain` returns. A caller that must stay responsive spreads the steps over several turns of its event loop.
 */
export function* verifyChainSteps(blocks: readonly Block[], chainId: string): Generator<number, ChainCheck> {
  let state = emptyState(chainId)
  let previous: Block | null = null
  for (const block of blocks) {
    const verified = verifyBlock(block, state, previous)
    if (!verified.ok) return verified
    state = verified.state
    previous = block
    yield block.header.index
  }
  return { ok: true, state, height: blocks.length }
}

/**
 * `verifyChainSteps` from a state already known for the first `start.height` blocks (a snapshot whose commitment the
 * caller matched to block `start.height - 1`'s state root): those blocks' headers are checked for index, chain,
 * hash link, time order and hash, so the head's signature still vouches for every one of them, and every block
 * after them is verified in full. What it skips (signatures and transactions before the snapshot) `verifyChain`
 * still checks: `privx verify` and `reverify` run that.
 */
export function* verifyChainFromSteps(
  blocks: readonly Block[],
  chainId: string,
  start: { readonly height: number; readonly state: ChainState },
): Generator<number, ChainCheck> {
  let previous: Block | null = null
  for (const block of blocks.slice(0, start.height)) {
    const fault = headerFault(block, previous, chainId)
    if (fault) return { ok: false, fault }
    previous = block
    yield block.header.index
  }
  let state = start.state
  for (const block of blocks.slice(start.height)) {
    const verified = verifyBlock(block, state, previous)
    if (!verified.ok) return verified
    state = verified.state
    previous = block
    yield block.header.index
  }
  return { ok: true, state, height: blocks.length }
}

/** Verifies a whole chain from genesis; the first fault names the block and the check. */
export function verifyChain(blocks: readonly Block[], chainId: string): ChainCheck {
  return runSteps(verifyChainSteps(blocks, chainId))
}

export interface InclusionProof {
  readonly txId: string
  readonly blockIndex: number
  readonly leafIndex: number
  readonly treeSize: number
  readonly path: readonly string[]
  readonly txRoot: string
}

/** A proof that a transaction is in a block, checkable against the block header alone. */
export function proveInclusion(block: Block, txId: string): InclusionProof | null {
  const leafIndex = block.transactions.findIndex((tx) => tx.id === txId)
  if (leafIndex === -1) return null
  const leaves = leavesOf(block.transactions)
  return {
    txId,
    blockIndex: block.header.index,
    leafIndex,
    treeSize: leaves.length,
    path: inclusionProof(leaves, leafIndex),
    txRoot: block.header.txRoot,
  }
}

export function checkInclusion(proof: InclusionProof, header: BlockHeader): boolean {
  if (proof.txRoot !== header.txRoot || proof.treeSize !== header.txCount) return false
  try {
    return verifyInclusion(hexToBytes(proof.txId), proof.leafIndex, proof.treeSize, proof.path, header.txRoot)
  } catch {
    return false
  }
}
