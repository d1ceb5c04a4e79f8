import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import { RawSocketIo } from '../helpers/raw-socket-io'

/**
 * Failed before the fix: what the coordinator sends is queued without bound for a peer that never reads. One valid
 * token.claim with a 900 KB junk payload makes a 900 KB block; peers that stop reading then ask dashboard:block for it
 * within their event budget (45 a second), and every answer waits in the coordinator's heap. Measured: 4 peers for
 * 15 s held 2.2 GB; 8 peers ran the process out of heap in about 30 s. (Any large answer or snapshot does the same.)
 * Fix: bound each connection's outbound queue (engine.io writeBuffer plus the ws bufferedAmount) and close a
 * connection that stays over it; cap transaction payloads (see attack-chain-payload).
 */
let coordinator: Coordinator

beforeAll(async () => {
  coordinator = await startCoordinator({ port: 0, staticDir: null, encryption: false })
})

afterAll(async () => {
  await coordinator.close()
})

const heapMB = () => process.memoryUsage().heapUsed / 2 ** 20

describe('a peer that never reads', () => {
  it('cannot make the coordinator queue its answers without bound', async () => {
    const writer = await RawSocketIo.connect(coordinator.url)
    const tx = signTransaction(generateKeyPair(), {
      chainId: coordinator.chain.chainId,
      nonce: 0,
      type: 'token.claim',
      payload: { junk: 'x'.repeat(900_000) },
      timestamp: Date.now(),
    })
    const accepted = (await writer.ask('client:transaction', tx)) as {
      ok: boolean
      value?: { block: number }
    }
    writer.close()
    // Whether or not the junk block is accepted, the largest block there is gets asked for.
    const index = accepted.ok ? accepted.value!.block : coordinator.chain.blocks.length - 1
    const before = heapMB()
    const peers: RawSocketIo[] = []
    for (let i = 0; i < 2; i++) {
      const peer = await RawSocketIo.connect(coordinator.url, { namespace: '/dashboard' })
      ;(peer.ws as unknown as { _socket: { pause(): void } })._socket.pause()
      peers.push(peer)
    }
    let sent = 0
    const start = Date.now()
    while (Date.now() - start < 6000) {
      for (const peer of peers)
        for (let k = 0; k < 9; k++)
          peer.sendFrame(`42/dashboard,${sent++}["dashboard:block",{"index":${index}}]`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const grown = heapMB() - before
    console.log(`slow reader: ${sent} requests, heap +${Math.round(grown)} MB`)
    for (const peer of peers) peer.close()
    expect(grown).toBeLessThan(128)
  })
})
