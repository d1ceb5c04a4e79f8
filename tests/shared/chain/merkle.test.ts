import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { inclusionProof, merkleRoot, verifyInclusion } from '../../../shared/chain/merkle'

const leaves = (n: number) => Array.from({ length: n }, (_, i) => utf8ToBytes(`tx-${i}`))
const h = (...parts: number[][]) => sha256(Uint8Array.from(parts.flat()))

describe('Merkle trees (RFC 6962)', () => {
  it('hashes the empty tree, one leaf and two leaves with domain separation', () => {
    expect(merkleRoot([])).toBe(bytesToHex(sha256(new Uint8Array())))
    const a = [...utf8ToBytes('a')]
    const b = [...utf8ToBytes('b')]
    expect(merkleRoot([Uint8Array.from(a)])).toBe(bytesToHex(h([0], a)))
    const expected = h([1], [...h([0], a)], [...h([0], b)])
    expect(merkleRoot([Uint8Array.from(a), Uint8Array.from(b)])).toBe(bytesToHex(expected))
  })

  it('splits at the largest power of two below n (3 leaves: ((a b) c))', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((s) => [...utf8ToBytes(s)])
    const ab = h([1], [...h([0], a!)], [...h([0], b!)])
    expect(merkleRoot(['a', 'b', 'c'].map(utf8ToBytes))).toBe(bytesToHex(h([1], [...ab], [...h([0], c!)])))
  })

  it('proves every leaf of trees of 1 to 17 leaves', () => {
    for (let n = 1; n <= 17; n++) {
      const data = leaves(n)
      const root = merkleRoot(data)
      for (let i = 0; i < n; i++)
        expect(verifyInclusion(data[i]!, i, n, inclusionProof(data, i), root)).toBe(true)
    }
  })

  it('rejects broken proofs: a flipped bit, the wrong index, a truncated or extended path, the wrong size or leaf', () => {
    const data = leaves(11)
    const root = merkleRoot(data)
    const proof = inclusionProof(data, 6)
    const flipped = [...proof]
    flipped[1] = (Number.parseInt(flipped[1]![0]!, 16) ^ 1).toString(16) + flipped[1]!.slice(1)
    expect(verifyInclusion(data[6]!, 6, 11, flipped, root)).toBe(false)
    expect(verifyInclusion(data[6]!, 7, 11, proof, root)).toBe(false)
    expect(verifyInclusion(data[6]!, 6, 11, proof.slice(0, -1), root)).toBe(false)
    expect(verifyInclusion(data[6]!, 6, 11, [...proof, proof[0]!], root)).toBe(false)
    // A size that changes the proof's shape fails (the root, not the size, binds the tree: RFC 6962).
    expect(verifyInclusion(data[6]!, 6, 7, proof, root)).toBe(false)
    expect(verifyInclusion(data[5]!, 6, 11, proof, root)).toBe(false)
    expect(verifyInclusion(data[6]!, 6, 11, ['zz'], root)).toBe(false)
    expect(verifyInclusion(data[6]!, 11, 11, proof, root)).toBe(false)
  })

  it('changes the root when two leaves swap places', () => {
    const data = leaves(5)
    expect(merkleRoot([data[1]!, data[0]!, ...data.slice(2)])).not.toBe(merkleRoot(data))
  })
})
