import type { Block } from './block'
import { canonicalBytes, type Json } from './encoding'
import { type KeyPair, sign, verifySignature } from './keys'

/**
 * The producer's signed statement of where its chain ends, kept beside the chain and rewritten after every block.
 * A chain cut at a block boundary is still a valid chain; only a record of the head tells that blocks are missing.
 */
export interface HeadCheckpoint {
  readonly chainId: string
  /** Blocks in the chain: the head is block `height - 1`. */
  readonly height: number
  /** The head block's hash. */
  readonly head: string
  /** When the checkpoint was written, milliseconds since the epoch. */
  readonly timestamp: number
  /** The producer's Ed25519 public key, hex. */
  readonly producer: string
  /** The producer's signature of `checkpointBytes`. */
  readonly signature: string
}

/** What a checkpoint's signature covers: every field but the signature, under a tag no block or transaction has. */
export function checkpointBytes(c: Omit<HeadCheckpoint, 'signature'>): Uint8Array {
  const { chainId, height, head, timestamp, producer } = c
  return canonicalBytes({ kind: 'privx.head-checkpoint', chainId, height, head, timestamp, producer } as Json)
}

/** The checkpoint naming `head` as the last block, signed by `producer`. */
export function signCheckpoint(head: Block, producer: KeyPair, timestamp: number): HeadCheckpoint {
  const unsigned = {
    chainId: head.header.chainId,
    height: head.header.index + 1,
    head: head.hash,
    timestamp,
    producer: producer.publicKey,
  }
  return { ...unsigned, signature: sign(checkpointBytes(unsigned), producer.secretKey) }
}

/** Where the checkpoint and the stored chain disagree: blocks missing from the end, or a bad checkpoint. */
export interface HeadFault {
  readonly index: number
  readonly check: 'truncated' | 'checkpoint'
  readonly message: string
}

export type HeadCheck =
  /** `behind` counts the blocks after the checkpoint's head: 0 normally, 1 after a crash between the two writes. */
  { ok: true; behind: number } | { ok: false; fault: HeadFault }

const short = (hash: string): string => `${hash.slice(0, 12)}…`

const range = (first: number, last: number): string =>
  first === last ? `block ${first} is missing` : `blocks ${first}–${last} are missing`

/**
 * Checks a verified chain against its head checkpoint. `producer` is the chain's producer public key (from its
 * blocks, or from the key file when no block is left); null when unknown. Faults: a signature that is not the
 * producer's, another chain, fewer blocks than the checkpoint names ('truncated', naming the missing ones), or a
 * different block at the checkpoint's height. More blocks than it names is no fault: the caller warns and rewrites.
 */
export function checkHead(
  checkpoint: HeadCheckpoint,
  blocks: readonly Block[],
  chainId: string | null,
  producer: string | null,
): HeadCheck {
  const headIndex = checkpoint.height - 1
  const fault = (check: HeadFault['check'], index: number, message: string): HeadCheck => ({
    ok: false,
    fault: { index, check, message },
  })
  if (!verifySignature(checkpoint.signature, checkpointBytes(checkpoint), checkpoint.producer))
    return fault('checkpoint', headIndex, "the head checkpoint's signature is invalid: forged or damaged")
  if (producer !== null && checkpoint.producer !== producer)
    return fault(
      'checkpoint',
      headIndex,
      `the head checkpoint is signed by ${short(checkpoint.producer)}, not by the chain's producer ${short(producer)}`,
    )
  if (chainId !== null && checkpoint.chainId !== chainId)
    return fault(
      'checkpoint',
      headIndex,
      `the head checkpoint is for chain "${checkpoint.chainId}", not "${chainId}"`,
    )
  const names = `the head checkpoint names block ${headIndex} (hash ${short(checkpoint.head)})`
  if (blocks.length < checkpoint.height) {
    const ends =
      blocks.length === 0 ? 'the file holds no blocks' : `the file ends at block ${blocks.length - 1}`
    return fault('truncated', blocks.length, `${names}; ${ends}: ${range(blocks.length, headIndex)}`)
  }
  const stored = blocks[headIndex]
  if (stored && stored.hash !== checkpoint.head)
    return fault(
      'checkpoint',
      headIndex,
      `${names}, but the stored block ${headIndex} has hash ${short(stored.hash)}: the chain was rewritten, or the checkpoint is another chain's`,
    )
  return { ok: true, behind: blocks.length - checkpoint.height }
}
