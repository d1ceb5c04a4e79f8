import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import { RawSocketIo } from '../helpers/raw-socket-io'

/**
 * Failed before the fix: the chain stores whatever a transaction's payload holds. transactionSchema types `payload` as
 * z.unknown(), and token.claim never reads it; any fresh key pair's claim is valid, so anyone connected can append
 * blocks of ~1 MB of junk, kept in memory and on disk for good. Measured with a data directory: 8 connections in
 * 10 s appended 126 such blocks (114 MB on disk, +110 MB heap) while an honest ask took 2.3 s (median). Each
 * submit also hashes the whole state twice and copies the accounts: 8 ms a claim at 100 accounts, 25 ms at 2,000.
 * Fix: parse every contract payload strictly (a claim carries none), cap a transaction's canonical size (a few KB),
 * and make a new account's first transaction cost something (or rate the faucet per address).
 */
let coordinator: Coordinator

beforeAll(async () => {
  coordinator = await startCoordinator({ port: 0, staticDir: null, encryption: false })
})

afterAll(async () => {
  await coordinator.close()
})

describe('transaction payloads', () => {
  it('a faucet claim carrying 900 KB of junk is refused, and the chain does not grow', async () => {
    const peer = await RawSocketIo.connect(coordinator.url)
    const height = coordinator.chain.blocks.length
    const tx = signTransaction(generateKeyPair(), {
      chainId: coordinator.chain.chainId,
      nonce: 0,
      type: 'token.claim',
      payload: { junk: 'x'.repeat(900_000) },
      timestamp: Date.now(),
    })
    const answer = (await peer.ask('client:transaction', tx, 30_000)) as { ok: boolean }
    peer.close()
    expect(answer.ok).toBe(false)
    expect(coordinator.chain.blocks.length).toBe(height)
  })
})
