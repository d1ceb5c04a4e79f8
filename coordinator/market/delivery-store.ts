import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { bytesOf } from '../../shared/codec'
import { sealedHash } from '../../shared/market/sealed-hash'
import type { KeyEnvelopeMessage } from '../../shared/protocol'

/**
 * Sealed anonymized copies, by hash: the coordinator keeps ciphertext it cannot open (sealed to the buyer's
 * envelope key), in memory and, with a data directory, under `deliveries/`.
 */
export class DeliveryStore {
  readonly #memory = new Map<string, KeyEnvelopeMessage>()
  readonly #dir: string | null

  constructor(dataDir: string | null) {
    this.#dir = dataDir ? join(dataDir, 'deliveries') : null
    if (this.#dir) mkdirSync(this.#dir, { recursive: true })
  }

  put(sealed: KeyEnvelopeMessage): string {
    const hash = sealedHash(sealed)
    const copy = {
      senderPublicKey: bytesOf(sealed.senderPublicKey).slice(),
      iv: bytesOf(sealed.iv).slice(),
      ciphertext: bytesOf(sealed.ciphertext).slice(),
    }
    this.#memory.set(hash, copy)
    if (this.#dir) {
      const record = {
        senderPublicKey: bytesToHex(copy.senderPublicKey),
        iv: bytesToHex(copy.iv),
        ciphertext: Buffer.from(copy.ciphertext).toString('base64'),
      }
      writeFileSync(join(this.#dir, `${hash}.json`), JSON.stringify(record))
    }
    return hash
  }

  get(hash: string): KeyEnvelopeMessage | null {
    if (!/^[0-9a-f]{64}$/.test(hash)) return null
    const cached = this.#memory.get(hash)
    if (cached || !this.#dir) return cached ?? null
    try {
      const record = JSON.parse(readFileSync(join(this.#dir, `${hash}.json`), 'utf8')) as Record<
        string,
        string
      >
      const sealed = {
        senderPublicKey: hexToBytes(record['senderPublicKey']!),
        iv: hexToBytes(record['iv']!),
        ciphertext: new Uint8Array(Buffer.from(record['ciphertext']!, 'base64')),
      }
      return sealedHash(sealed) === hash ? sealed : null
    } catch {
      return null
    }
  }
}
