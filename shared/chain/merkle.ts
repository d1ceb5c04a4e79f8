import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { sha256 } from '../crypto/sha256'

/**
 * Merkle tree hashes as in RFC 6962 (Certificate Transparency), Sec. 2.1: leaves hashed as SHA-256(0x00 || data),
 * interior nodes as SHA-256(0x01 || left || right), so a leaf can never pass for a node. The empty tree hashes to
 * SHA-256 of nothing; a tree of n leaves splits at the largest power of two below n.
 */

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

export const leafHash = (data: Uint8Array): Uint8Array => sha256(concat(Uint8Array.of(0), data))
const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array =>
  sha256(concat(Uint8Array.of(1), left, right))

/** Largest power of two strictly below n (n >= 2). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function treeHash(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array())
  if (leaves.length === 1) return leafHash(leaves[0]!)
  const k = split(leaves.length)
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)))
}

/** The Merkle tree hash of the leaves' data, hex. */
export function merkleRoot(leaves: readonly Uint8Array[]): string {
  return bytesToHex(treeHash(leaves))
}

/** The audit path of leaf `index` (RFC 6962, Sec. 2.1.1): sibling hashes from the leaf up, hex. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new Error(`no leaf ${index} in a tree of ${leaves.length}`)
  }
  const path = (m: number, d: readonly Uint8Array[]): Uint8Array[] => {
    if (d.length <= 1) return []
    const k = split(d.length)
    return m < k
      ? [...path(m, d.slice(0, k)), treeHash(d.slice(k))]
      : [...path(m - k, d.slice(k)), treeHash(d.slice(0, k))]
  }
  return path(index, leaves).map(bytesToHex)
}

/**
 * Checks that `leafData` is leaf `index` of a tree of `treeSize` leaves with root `root`, given its audit path
 * (the verification algorithm of RFC 9162, Sec. 2.1.3.2). False for any malformed or inconsistent input.
 */
export function verifyInclusion(
  leafData: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly string[],
  root: string,
): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(treeSize) || index < 0 || index >= treeSize) return false
  let fn = index
  let sn = treeSize - 1
  let r = leafHash(leafData)
  try {
    for (const p of proof) {
      if (sn === 0) return false
      const sibling = hexToBytes(p)
      if (sibling.length !== 32) return false
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(sibling, r)
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2)
            sn = Math.floor(sn / 2)
          }
        }
      } else {
        r = nodeHash(r, sibling)
      }
      fn = Math.floor(fn / 2)
      sn = Math.floor(sn / 2)
    }
  } catch {
    return false
  }
  return sn === 0 && bytesToHex(r) === root
}
