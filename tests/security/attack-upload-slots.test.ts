import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { pendingCopyPurchase } from '../helpers/pending-purchase'
import { RawSocketIo } from '../helpers/raw-socket-io'

/**
 * Failed before the fix: the open upload pool (uploadsInFlight = 4 slots, shared by every private prediction and every market
 * delivery) is handed to anyone: a kind "copy" grant needs no task, key or purchase. A few connections that ask for
 * 2 MB grants and never send hold every slot and keep the queue ahead of honest requests. Measured at the default
 * settings: 16 such connections and an honest request is refused after its full 30 s wait.
 * Fix: at most one slot held or awaited per address; a copy grant only for the provider of a paid, undelivered
 * purchase (and an inference grant only for a proven key); shorter grant lifetimes for grants that see no bytes.
 */
let coordinator: Coordinator

beforeAll(async () => {
  coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    encryption: false,
    limits: { uploadGrantMs: 4000, uploadWaitMs: 3000 },
  })
})

afterAll(async () => {
  await coordinator.close()
})

describe('upload slots', () => {
  it('connections that take grants and send nothing cannot starve an honest upload', async () => {
    const attackers: RawSocketIo[] = []
    let stop = false
    const hog = async (peer: RawSocketIo) => {
      while (!stop && peer.open) {
        const r = (await peer.ask('client:upload', { kind: 'copy', bytes: 2_000_000 }, 10_000)) as {
          ok?: boolean
        }
        await new Promise((resolve) =>
          setTimeout(resolve, r?.ok ? coordinator.limits.uploadGrantMs - 20 : 10),
        )
      }
    }
    for (let i = 0; i < 16; i++) {
      const peer = await RawSocketIo.connect(coordinator.url)
      attackers.push(peer)
      void hog(peer)
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    // Their grants are refused: room for a sealed copy is given only for a purchase awaiting it.
    const refused = (await attackers[0]!.ask('client:upload', { kind: 'copy', bytes: 2_000_000 })) as {
      error: { code: string }
    }
    expect(refused.error.code).toBe('forbidden')
    // The provider delivering a real purchase gets its slot at once.
    const { purchaseId } = pendingCopyPurchase(coordinator.chain)
    const honest = await RawSocketIo.connect(coordinator.url)
    const answer = (await honest.ask(
      'client:upload',
      { kind: 'copy', purchaseId, bytes: 1_500_000 },
      10_000,
    )) as { ok: boolean }
    // One upload per purchase at a time.
    const second = await RawSocketIo.connect(coordinator.url)
    const again = (await second.ask('client:upload', { kind: 'copy', purchaseId, bytes: 1_500_000 })) as {
      error: { code: string }
    }
    stop = true
    for (const peer of [...attackers, honest, second]) peer.close()
    expect(answer.ok).toBe(true)
    expect(again.error.code).toBe('invalid-state')
  })
})
