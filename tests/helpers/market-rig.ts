import { readFileSync } from 'node:fs'
import { io } from 'socket.io-client'
import { afterAll, beforeAll, expect } from 'vitest'
import type { HeadlessClient } from '../../client/headless/headless-client'
import { MarketClient } from '../../client/market/market-client'
import type { ClientSocket } from '../../client/session/federated-session'
import type { Coordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { createEnvelopeKeyPair } from '../../shared/he/key-envelope'
import { taskSchemaSchema } from '../../shared/tasks/schema'
import { startTestCoordinator } from './coordinator'

/** The example clinic's file and its declared schema, as a provider lists them. */
export const clinicCsv = readFileSync('examples/clinic-a.csv', 'utf8')
export const clinicCsvSchema = taskSchemaSchema.parse(
  JSON.parse(readFileSync('examples/clinic-schema.json', 'utf8')),
)

/** A result's value, or the test fails with its message. */
export const must = <T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

export interface MarketRig {
  readonly coordinator: Coordinator
  /** A market participant on its own socket, with its faucet tokens claimed. */
  participant(): Promise<MarketClient>
  /** A provider's training tab, closed with the rig. */
  keep(tab: HeadlessClient): HeadlessClient
}

/** One coordinator (faucet 200) for the calling file, with market participants and tabs closed after it. */
export function useMarketRig(): MarketRig {
  let coordinator: Coordinator | null = null
  const sockets: ClientSocket[] = []
  const tabs: HeadlessClient[] = []
  beforeAll(async () => {
    coordinator = await startTestCoordinator({ faucetAmount: 200 })
  })
  afterAll(async () => {
    for (const tab of tabs) tab.close()
    for (const s of sockets) s.disconnect()
    await coordinator?.close()
  })
  return {
    get coordinator() {
      if (!coordinator) throw new Error('no coordinator yet: use the rig inside a test')
      return coordinator
    },
    async participant() {
      const socket = io(this.coordinator.url, { transports: ['websocket'] }) as ClientSocket
      sockets.push(socket)
      const client = new MarketClient(socket, generateKeyPair(), await createEnvelopeKeyPair())
      expect((await client.claimTokens()).ok).toBe(true)
      return client
    },
    keep(tab) {
      tabs.push(tab)
      return tab
    },
  }
}
