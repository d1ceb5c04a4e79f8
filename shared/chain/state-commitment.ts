import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { sha256, sha256Parts } from '../crypto/sha256'
import { canonicalBytes, type Json } from './encoding'
import { RoundLog } from './round-log'
import type { ChainState } from './state'

/**
 * The chain state's commitment, version 2: a two-level hash tree whose cost per block depends on what the block
 * changed, not on how long the chain is (issue 17; before it, the state root hashed the whole state, so block time
 * grew with every recorded round).
 *
 * The state is cut into leaves, one per entry of its collections (an account, a task, a training record, a market
 * listing...) and one per other field, each named by its path ("accounts/px...", "rounds/41", "market/datasets/7").
 * A leaf's hash is SHA-256 of the canonical JSON of [path, value]; each collection also has a marker leaf naming its
 * kind, so an empty collection and an absent one differ. Leaves fall into 256 buckets by the first byte of
 * SHA-256(path); a bucket's hash is SHA-256 of its (pathHash, leafHash) pairs in pathHash order (an empty bucket
 * hashes the empty string), and the root is SHA-256 of a version tag and the 256 bucket hashes.
 *
 * A block then rehashes only its changed leaves and their buckets: with n leaves, O(changed × n/256) bytes plus the
 * 8 KiB of bucket hashes. Which leaves changed is found by object identity (the state is immutable and contracts
 * share what they do not change), and every version is memoized per state object, so producing and verifying a block
 * both start from the commitment of the state before it.
 */
export const STATE_COMMITMENT_VERSION = 2

const BUCKETS = 256
const TAG = utf8ToBytes('privx.state.v2')
const EMPTY_BUCKET = sha256(new Uint8Array(0))

/** How deep each top-level field is cut into leaves: `market` holds collections, the rest are collections. */
const SPLIT_DEPTH: Readonly<Record<string, number>> = { accounts: 1, tasks: 1, rounds: 1, market: 2 }

interface Leaf {
  /** SHA-256 of the path, hex: the sort key inside a bucket. */
  readonly key: string
  readonly pathHash: Uint8Array
  readonly hash: Uint8Array
}

type Bucket = ReadonlyMap<string, Leaf>

/** A leaf set change: a path's new value, or `undefined` when the path is gone. */
type Change = readonly [path: string, value: unknown]

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RoundLog)

const kindOf = (v: unknown): 'list' | 'record' | undefined =>
  v instanceof RoundLog || Array.isArray(v) ? 'list' : isRecord(v) ? 'record' : undefined

const entriesOf = (v: unknown): [string, unknown][] =>
  v instanceof RoundLog
    ? v.map((r, i) => [String(i), r])
    : Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v as Record<string, unknown>)

/**
 * The path of an entry: its collection's path, '/', and the key escaped (RFC 3986 percent-encoding), so a key holding
 * '/' can never name another entry's path and two different states never share a leaf path.
 */
const childPath = (path: string, key: string): string => `${path}/${encodeURIComponent(key)}`

/** Every leaf of `value` at `path`, cut `depth` levels deep (0: the value is one leaf). */
function leavesOf(path: string, value: unknown, depth: number, out: Change[]): void {
  if (value === undefined) return
  const kind = depth > 0 ? kindOf(value) : undefined
  if (kind === undefined) {
    out.push([path, value])
    return
  }
  out.push([path, { collection: kind }])
  for (const [key, child] of entriesOf(value)) leavesOf(childPath(path, key), child, depth - 1, out)
}

/** The leaves that differ between `before` and `after` at `path`, found by identity, as changes. */
function diff(path: string, before: unknown, after: unknown, depth: number, out: Change[]): void {
  if (before === after) return
  const kind = depth > 0 ? kindOf(after) : undefined
  if (kind === undefined || kind !== kindOf(before)) {
    const gone: Change[] = []
    leavesOf(path, before, depth, gone)
    for (const [p] of gone) out.push([p, undefined])
    leavesOf(path, after, depth, out)
    return
  }
  if (before instanceof RoundLog && after instanceof RoundLog && after.extends(before)) {
    for (let i = before.length; i < after.length; i++)
      leavesOf(childPath(path, String(i)), after.at(i), depth - 1, out)
    return
  }
  const old = new Map(entriesOf(before))
  for (const [key, child] of entriesOf(after)) {
    diff(childPath(path, key), old.get(key), child, depth - 1, out)
    old.delete(key)
  }
  for (const [key, child] of old) diff(childPath(path, key), child, undefined, depth - 1, out)
}

function leafOf(path: string, value: unknown): Leaf {
  const pathHash = sha256(utf8ToBytes(path))
  return { key: bytesToHex(pathHash), pathHash, hash: sha256(canonicalBytes([path, value as Json])) }
}

function bucketHash(bucket: Bucket): Uint8Array {
  if (bucket.size === 0) return EMPTY_BUCKET
  const sorted = [...bucket.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return sha256Parts(sorted.flatMap((leaf) => [leaf.pathHash, leaf.hash]))
}

/** An immutable commitment; `apply` shares every bucket it does not change. */
export class StateCommitment {
  readonly root: string

  private constructor(
    readonly buckets: readonly Bucket[],
    readonly bucketHashes: readonly Uint8Array[],
  ) {
    this.root = bytesToHex(sha256Parts([TAG, ...bucketHashes]))
  }

  static readonly EMPTY = new StateCommitment(
    Array.from({ length: BUCKETS }, () => new Map()),
    Array.from({ length: BUCKETS }, () => EMPTY_BUCKET),
  )

  /** The commitment after `changes` (later changes of one path win). */
  apply(changes: readonly Change[]): StateCommitment {
    if (changes.length === 0) return this
    const buckets = [...this.buckets]
    const touched = new Map<number, Map<string, Leaf>>()
    for (const [path, value] of changes) {
      const leaf = leafOf(path, value)
      const index = leaf.pathHash[0]!
      let bucket = touched.get(index)
      if (!bucket) {
        bucket = new Map(this.buckets[index])
        touched.set(index, bucket)
        buckets[index] = bucket
      }
      if (value === undefined) bucket.delete(path)
      else bucket.set(path, leaf)
    }
    const hashes = [...this.bucketHashes]
    for (const [index, bucket] of touched) hashes[index] = bucketHash(bucket)
    return new StateCommitment(buckets, hashes)
  }
}

/** The changes that turn `before`'s leaves into `after`'s (before null: every leaf of `after`). */
export function stateChanges(before: ChainState | null, after: ChainState): Change[] {
  const out: Change[] = []
  const a = (before ?? {}) as Record<string, unknown>
  const b = after as unknown as Record<string, unknown>
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)]).values()) {
    const depth = SPLIT_DEPTH[field] ?? 0
    if (before === null) leavesOf(field, b[field], depth, out)
    else diff(field, a[field], b[field], depth, out)
  }
  return out
}

const memo = new WeakMap<ChainState, StateCommitment>()

/**
 * The commitment of `state`, from `before`'s (memoized, or built in full) and the leaves that differ. Without
 * `before`, from scratch unless memoized. Always equal to a full recomputation (property-tested).
 */
export function commitmentOf(state: ChainState, before?: ChainState): StateCommitment {
  const known = memo.get(state)
  if (known) return known
  const base = before ? commitmentOf(before) : null
  const commitment = base
    ? base.apply(stateChanges(before!, state))
    : StateCommitment.EMPTY.apply(stateChanges(null, state))
  memo.set(state, commitment)
  return commitment
}

/** The version-2 state root of `state`, built from nothing (what `commitmentOf` must always equal). */
export const fullStateRoot = (state: ChainState): string =>
  StateCommitment.EMPTY.apply(stateChanges(null, state)).root
