/**
 * Native against pure-JS crypto, side by side in one run (issue 17): SHA-256 of a 4 MB update and Ed25519
 * verification of a transaction-sized message, through `shared/crypto` (node:crypto here) and its fallback (what a
 * browser runs). Median of repeated runs, and the ratio.
 *
 * Run: npx tsx bench/crypto.ts
 */
import { randomBytes } from 'node:crypto'
import { fallback, getPublicKey, sign, verify } from '../shared/crypto/ed25519'
import { fallbackSha256, sha256 } from '../shared/crypto/sha256'

function medianMs(repeats: number, run: () => void): number {
  const times: number[] = []
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    run()
    times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)[repeats >> 1]!
}

const update = randomBytes(4 * 2 ** 20)
const seed = randomBytes(32)
const message = randomBytes(300)
const publicKey = getPublicKey(seed)
const signature = sign(message, seed)
const rows: [string, number, number][] = [
  ['SHA-256, 4 MB', medianMs(15, () => sha256(update)), medianMs(15, () => fallbackSha256(update))],
  [
    'Ed25519 verify, 300 B',
    medianMs(201, () => verify(signature, message, publicKey)),
    medianMs(201, () => fallback.verify(signature, message, publicKey)),
  ],
  [
    'Ed25519 sign, 300 B',
    medianMs(201, () => sign(message, seed)),
    medianMs(201, () => fallback.sign(message, seed)),
  ],
]
console.log('| operation | node:crypto | pure JS (@noble) | ratio |')
console.log('| --- | --- | --- | --- |')
for (const [name, native, pure] of rows)
  console.log(
    `| ${name} | ${native.toFixed(3)} ms | ${pure.toFixed(3)} ms | ${(pure / native).toFixed(1)}x |`,
  )
