import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { HeadCheckpoint } from '../../shared/chain/checkpoint'
import { checkpointSchema } from '../../shared/chain/schema'
import { parsePayload } from '../../shared/guards'

export const HEAD_FILE = 'head.json'

export type HeadRead = { ok: true; checkpoint: HeadCheckpoint | null } | { ok: false; message: string }

/** The head checkpoint in `dir`: null when there is none (a new or older data directory), a message when unreadable. */
export function readHead(dir: string): HeadRead {
  const path = join(dir, HEAD_FILE)
  if (!existsSync(path)) return { ok: true, checkpoint: null }
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    return { ok: false, message: `${HEAD_FILE} is not valid JSON: ${(error as Error).message}` }
  }
  const shaped = parsePayload(checkpointSchema, parsed, HEAD_FILE)
  return shaped.ok
    ? { ok: true, checkpoint: shaped.value as HeadCheckpoint }
    : { ok: false, message: shaped.error.message }
}

/**
 * Replaces the head checkpoint durably: written to a temporary file, fsync'd, renamed over the old one, and the
 * directory fsync'd so the rename itself survives a power cut. A crash leaves the old checkpoint or the new one.
 */
export function writeHead(dir: string, checkpoint: HeadCheckpoint): void {
  replaceDurably(dir, HEAD_FILE, `${JSON.stringify(checkpoint)}\n`)
}

/** Replaces `dir/name` with `text` so that a crash leaves the old file or the new one (see writeHead). */
export function replaceDurably(dir: string, name: string, text: string): void {
  const path = join(dir, name)
  const temporary = `${path}.tmp`
  const fd = openSync(temporary, 'w')
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, path)
  syncDirectory(dir)
}

/** fsync of a directory; platforms that cannot open one (Windows) keep their own rename guarantees. */
function syncDirectory(dir: string): void {
  let fd: number
  try {
    fd = openSync(dir, 'r')
  } catch {
    return
  }
  try {
    fsyncSync(fd)
  } catch {
    // EISDIR/EPERM where directories cannot be fsync'd.
  } finally {
    closeSync(fd)
  }
}
