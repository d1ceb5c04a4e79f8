import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { type Block, type ChainFault, verifyChainFromSteps, verifyChainSteps } from '../../shared/chain/block'
import { checkHead, type HeadFault, signCheckpoint } from '../../shared/chain/checkpoint'
import { generateKeyPair, type KeyPair, keyPairFromSecret } from '../../shared/chain/keys'
import { blockSchema } from '../../shared/chain/schema'
import type { ChainState } from '../../shared/chain/state'
import { snapshotOf, stateFromSnapshot } from '../../shared/chain/state-snapshot'
import { runSteps } from '../../shared/chain/steps'
import { parsePayload } from '../../shared/guards'
import { type HeadRead, readHead, replaceDurably, writeHead } from './head-file'

const BLOCKS_FILE = 'blocks.jsonl'
const KEY_FILE = 'producer.key'
const SNAPSHOT_FILE = 'state.json'
/** A state snapshot is written every this many blocks: start-up replays at most this many. */
export const SNAPSHOT_INTERVAL = 256

/** Why a stored chain does not load: a block's check, its encoding, or its head checkpoint. */
export type StoreFault = ChainFault | HeadFault | { index: number; check: 'encoding'; message: string }

export type LoadResult =
  | {
      ok: true
      blocks: Block[]
      state: ChainState | null
      warnings: string[]
      /** The height transactions were replayed from: 0 (genesis), or the state snapshot's. */
      replayedFrom: number
    }
  | { ok: false; fault: StoreFault }

/** The chain file's text (null when absent) and the head checkpoint, read in one go. */
export interface StoredFiles {
  readonly text: string | null
  readonly head: HeadRead
  /** The state snapshot's text, when it was asked for and exists. */
  readonly snapshot?: string | null
  /** Why the snapshot that exists could not be read (a cache: start-up replays from genesis instead). */
  readonly snapshotError?: string
}

export interface LoadOptions {
  /** Cut off an incomplete last line and rewrite the checkpoint. */
  readonly repair?: boolean
  /**
   * Start from the state snapshot when it matches the chain (start-up): blocks before it are checked by their
   * headers and hash links only. Without it (`privx verify`, `reverify`) every block is replayed from genesis.
   */
  readonly fromSnapshot?: boolean
}

/**
 * The chain on disk: one block per line of `blocks.jsonl`, appended with a single write ending in the newline and
 * then fsync'd, and after it the producer's signed head checkpoint (`head.json`, see head-file.ts). A crash
 * mid-write can only leave an incomplete last line, which loading never accepts: it is reported and cut off, so the
 * file always holds the old or the new valid chain. Blocks cut off the end at a line boundary are caught by the
 * checkpoint, which names the head the file should reach.
 */
export class ChainStore {
  readonly path: string
  #keys: KeyPair | null = null

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true })
    this.path = join(dir, BLOCKS_FILE)
  }

  /** Reads and verifies the stored chain (see LoadOptions). */
  load(options: LoadOptions = {}): LoadResult {
    return runSteps(this.check(this.read({ snapshot: options.fromSnapshot === true }), options))
  }

  /** The files, read synchronously: a consistent set while this process is the only writer. */
  read(options: { snapshot?: boolean } = {}): StoredFiles {
    const text = existsSync(this.path) ? readFileSync(this.path, 'utf8') : null
    const snapshotPath = join(this.dir, SNAPSHOT_FILE)
    let snapshot: string | null = null
    let snapshotError: string | undefined
    if (options.snapshot && existsSync(snapshotPath)) {
      try {
        snapshot = readFileSync(snapshotPath, 'utf8')
      } catch (error) {
        snapshotError = (error as Error).message
      }
    }
    return { text, head: readHead(this.dir), snapshot, ...(snapshotError ? { snapshotError } : {}) }
  }

  /**
   * `load` one block a step (parsing, then verifying): yields between blocks so a caller can spread the work over
   * its event loop, and returns what `load` returns.
   */
  *check(files: StoredFiles, options: LoadOptions = {}): Generator<number, LoadResult> {
    const text = files.text ?? ''
    const warnings: string[] = []
    const lastNewline = text.lastIndexOf('\n')
    const complete = text.slice(0, lastNewline + 1)
    const tail = text.slice(lastNewline + 1)
    const lines = complete.split('\n').slice(0, -1)
    if (tail.length > 0) {
      warnings.push(
        `block ${lines.length} is incomplete (${tail.length} bytes; a crash during a write?): ignored, chain ends at block ${lines.length - 1}`,
      )
      if (options.repair) truncateSync(this.path, Buffer.byteLength(complete, 'utf8'))
    }
    const blocks: Block[] = []
    for (const [index, line] of lines.entries()) {
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch (error) {
        const message = `block ${index} is not valid JSON: ${(error as Error).message}`
        return { ok: false, fault: { index, check: 'encoding', message } }
      }
      const shaped = parsePayload(blockSchema, parsed, `block ${index}`)
      if (!shaped.ok) return { ok: false, fault: { index, check: 'encoding', message: shaped.error.message } }
      blocks.push(shaped.value as unknown as Block)
      yield index
    }
    let state: ChainState | null = null
    let replayedFrom = 0
    const head = blocks.at(-1)
    if (head) {
      const chainId = blocks[0]!.header.chainId
      const start = options.fromSnapshot ? this.#snapshotStart(files, blocks, warnings) : null
      replayedFrom = start?.height ?? 0
      const verified = yield* start
        ? verifyChainFromSteps(blocks, chainId, start)
        : verifyChainSteps(blocks, chainId)
      if (!verified.ok) return { ok: false, fault: verified.fault }
      state = verified.state
    }
    if (!files.head.ok)
      return { ok: false, fault: { index: blocks.length, check: 'checkpoint', message: files.head.message } }
    const checkpoint = files.head.checkpoint
    if (checkpoint) {
      const producer = head ? head.header.producer : (this.#existingKeys()?.publicKey ?? null)
      const checked = checkHead(checkpoint, blocks, head ? head.header.chainId : null, producer)
      if (!checked.ok) return { ok: false, fault: checked.fault }
      if (checked.behind > 0) {
        const why =
          checked.behind === 1
            ? '1 block after the head checkpoint (a crash between writing the block and the checkpoint?)'
            : `${checked.behind} blocks after the head checkpoint (an older checkpoint restored?)`
        warnings.push(`the chain holds ${why}${options.repair ? `; ${this.#rewriteHead(head!)}` : ''}`)
      }
    } else if (head) {
      warnings.push(
        `no head checkpoint beside the chain (a data directory from an older version?): blocks cut off its end cannot be detected${options.repair ? `; ${this.#rewriteHead(head)}` : ' until one is written'}`,
      )
    }
    return { ok: true, blocks, state, warnings, replayedFrom }
  }

  /**
   * The snapshot's state and height when start-up may begin there: a head checkpoint must name the chain's end (it
   * signs the hash links that vouch for the blocks the snapshot stands for) and the snapshot must match its block.
   * Otherwise null, with a warning when a snapshot was there but could not be used.
   */
  #snapshotStart(files: StoredFiles, blocks: readonly Block[], warnings: string[]) {
    if (files.snapshotError)
      warnings.push(
        `the state snapshot (${SNAPSHOT_FILE}) could not be read (${files.snapshotError}); verified from genesis`,
      )
    if (!files.snapshot) return null
    if (!files.head.ok || !files.head.checkpoint) {
      warnings.push(
        'the state snapshot was not used (no head checkpoint vouches for it): verified from genesis',
      )
      return null
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(files.snapshot)
    } catch (error) {
      parsed = `${SNAPSHOT_FILE} is not valid JSON: ${(error as Error).message}`
    }
    const use = stateFromSnapshot(parsed, blocks)
    if (use.ok) return use
    warnings.push(`the state snapshot (${SNAPSHOT_FILE}) was not used: ${use.why}; verified from genesis`)
    return null
  }

  /** Writes the state after `head` as the snapshot start-up begins from (atomically, fsync'd). */
  writeSnapshot(head: Block, state: ChainState): void {
    replaceDurably(this.dir, SNAPSHOT_FILE, JSON.stringify(snapshotOf(head, state)))
  }

  /**
   * Appends one block durably (the whole line in one write, newline last, then fsync), then replaces the head
   * checkpoint with one naming it, signed with this directory's producer key. Throws if that key did not produce
   * the block: a store holds one producer's chain.
   */
  append(block: Block): void {
    const keys = this.producerKeys()
    if (block.header.producer !== keys.publicKey)
      throw new Error(`block ${block.header.index} was not produced with this data directory's producer key`)
    const fd = openSync(this.path, 'a')
    try {
      writeSync(fd, `${JSON.stringify(block)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    writeHead(this.dir, signCheckpoint(block, keys, Date.now()))
  }

  /** The producer's key pair, created on first use; written to a temporary file and renamed, mode 0600. */
  producerKeys(): KeyPair {
    const existing = this.#existingKeys()
    if (existing) return existing
    const path = join(this.dir, KEY_FILE)
    const keys = generateKeyPair()
    const temporary = `${path}.tmp`
    const fd = openSync(temporary, 'w', 0o600)
    try {
      writeSync(fd, `${keys.secretKey}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, path)
    this.#keys = keys
    return keys
  }

  /** The producer key in the data directory, if there is one (never creates it: verifying must not). */
  #existingKeys(): KeyPair | null {
    if (this.#keys) return this.#keys
    const path = join(this.dir, KEY_FILE)
    if (!existsSync(path)) return null
    this.#keys = keyPairFromSecret(readFileSync(path, 'utf8').trim())
    return this.#keys
  }

  /** Writes a checkpoint naming `head`, when this directory holds the key that produced it; says what it did. */
  #rewriteHead(head: Block): string {
    const keys = this.#existingKeys()
    if (!keys || keys.publicKey !== head.header.producer)
      return 'checkpoint not written: the producer key here did not produce this chain'
    writeHead(this.dir, signCheckpoint(head, keys, Date.now()))
    return `checkpoint written at block ${head.header.index}`
  }
}
