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
import { type Block, type ChainFault, verifyChain } from '../../shared/chain/block'
import { generateKeyPair, type KeyPair, keyPairFromSecret } from '../../shared/chain/keys'
import { blockSchema } from '../../shared/chain/schema'
import type { ChainState } from '../../shared/chain/state'
import { parsePayload } from '../../shared/guards'

const BLOCKS_FILE = 'blocks.jsonl'
const KEY_FILE = 'producer.key'

export type LoadResult =
  | { ok: true; blocks: Block[]; state: ChainState | null; warnings: string[] }
  | { ok: false; fault: ChainFault | { index: number; check: 'encoding'; message: string } }

/**
 * The chain on disk: one block per line of `blocks.jsonl`, appended with a single write ending in the newline and
 * then fsync'd. A crash mid-write can only leave an incomplete last line, which loading never accepts: it is
 * reported and cut off, so the file always holds the old or the new valid chain.
 */
export class ChainStore {
  readonly path: string

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true })
    this.path = join(dir, BLOCKS_FILE)
  }

  /** Reads and fully verifies the stored chain; `repair` cuts off an incomplete last line. */
  load(options: { repair?: boolean } = {}): LoadResult {
    if (!existsSync(this.path)) return { ok: true, blocks: [], state: null, warnings: [] }
    const bytes = readFileSync(this.path)
    const text = bytes.toString('utf8')
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
        return {
          ok: false,
          fault: {
            index,
            check: 'encoding',
            message: `block ${index} is not valid JSON: ${(error as Error).message}`,
          },
        }
      }
      const shaped = parsePayload(blockSchema, parsed, `block ${index}`)
      if (!shaped.ok) return { ok: false, fault: { index, check: 'encoding', message: shaped.error.message } }
      blocks.push(shaped.value as unknown as Block)
    }
    if (blocks.length === 0) return { ok: true, blocks, state: null, warnings }
    const chainId = blocks[0]?.header?.chainId
    if (typeof chainId !== 'string')
      return { ok: false, fault: { index: 0, check: 'encoding', message: 'block 0 has no chain id' } }
    const verified = verifyChain(blocks, chainId)
    if (!verified.ok) return { ok: false, fault: verified.fault }
    return { ok: true, blocks, state: verified.state, warnings }
  }

  /** Appends one block durably: the whole line in one write, newline last, then fsync. */
  append(block: Block): void {
    const fd = openSync(this.path, 'a')
    try {
      writeSync(fd, `${JSON.stringify(block)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }

  /** The producer's key pair, created on first use; written to a temporary file and renamed, mode 0600. */
  producerKeys(): KeyPair {
    const path = join(this.dir, KEY_FILE)
    if (existsSync(path)) return keyPairFromSecret(readFileSync(path, 'utf8').trim())
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
    return keys
  }
}
