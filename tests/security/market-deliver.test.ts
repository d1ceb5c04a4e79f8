import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import { sealedHash } from '../../shared/market/sealed-hash'
import { RawSocketIo } from '../helpers/raw-socket-io'

let coordinator: Coordinator
const dataDir = mkdtempSync(join(tmpdir(), 'privx-deliver-'))

beforeAll(async () => {
  coordinator = await startCoordinator({ port: 0, staticDir: null, dataDir })
})

afterAll(async () => {
  await coordinator.close()
})

describe('a delivery the chain refuses stores nothing', () => {
  it('sealed bytes with a transaction that does not apply are refused and never written', async () => {
    const peer = await RawSocketIo.connect(coordinator.url)
    const sealed = {
      senderPublicKey: new Uint8Array(65).fill(4),
      iv: new Uint8Array(12).fill(1),
      ciphertext: new Uint8Array(512 * 1024).map((_, i) => i * 31),
    }
    // Well signed, by an account with no purchase to deliver: the market contract refuses it.
    const tx = signTransaction(generateKeyPair(), {
      chainId: 'privx-local',
      nonce: 0,
      type: 'market.deliver',
      payload: { purchaseId: 'p-1', deliveryHash: sealedHash(sealed) },
      timestamp: Date.now(),
    })
    const placeholder = (num: number) => ({ _placeholder: true, num })
    peer.emitBinary(
      'market:deliver',
      { tx, sealed: { senderPublicKey: placeholder(0), iv: placeholder(1), ciphertext: placeholder(2) } },
      [sealed.senderPublicKey, sealed.iv, sealed.ciphertext],
      7,
    )
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 10_000
      const poll = () => {
        const answer = peer.received.find((f): f is string => typeof f === 'string' && f.startsWith('437'))
        if (answer) {
          expect(answer).toMatch(/"ok":false/)
          resolve()
        } else if (Date.now() > deadline) reject(new Error('no answer to the delivery'))
        else setTimeout(poll, 20)
      }
      poll()
    })
    expect(readdirSync(join(dataDir, 'deliveries'))).toEqual([])
    peer.close()
  })
})
