import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { MarketClient } from '../../client/market/market-client'
import type { ClientSocket } from '../../client/session/federated-session'
import type { Coordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { createEnvelopeKeyPair } from '../../shared/he/key-envelope'
import { readDatasetFrame } from '../../shared/market/dataset-frame'
import { taskSchemaSchema } from '../../shared/tasks/schema'
import { startTestCoordinator } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

let coordinator: Coordinator | null = null
const sockets: ClientSocket[] = []

afterEach(async () => {
  for (const s of sockets) s.disconnect()
  await coordinator?.close()
})

async function person(url: string) {
  const socket = io(url, { transports: ['websocket'] }) as ClientSocket
  sockets.push(socket)
  const client = new MarketClient(socket, generateKeyPair(), await createEnvelopeKeyPair())
  expect((await client.claimTokens()).ok).toBe(true)
  return client
}

describe('a bought training task across a coordinator restart', () => {
  it('stays reserved to the provider of the dataset', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'privx-market-restart-'))
    coordinator = await startTestCoordinator({ dataDir, faucetAmount: 200 })
    const provider = await person(coordinator.url)
    const buyer = await person(coordinator.url)
    const schema = taskSchemaSchema.parse(JSON.parse(readFileSync('examples/clinic-schema.json', 'utf8')))
    const frame = readDatasetFrame(readFileSync('examples/clinic-a.csv', 'utf8'), schema).frame
    expect((await provider.registerProvider('Clinic')).ok).toBe(true)
    expect((await buyer.registerConsumer('Buyer')).ok).toBe(true)
    const draft = {
      name: 'Visits',
      description: '',
      category: 'medical',
      tags: [],
      schema,
      licence: '',
    } as const
    const listed = await provider.listDataset(frame, {
      ...draft,
      copyPrice: null,
      trainingPrice: 10,
      copyEpsilon: 1,
      trainingRounds: 2,
      summaryEpsilon: 1,
    })
    expect(listed.ok).toBe(true)
    expect((await buyer.purchase('ds-1', 'training')).ok).toBe(true)
    await waitFor(() => coordinator!.tasks.get('market-p-1') !== undefined, 'the bought task')
    for (const s of sockets.splice(0)) s.disconnect()
    await coordinator.close()

    coordinator = await startTestCoordinator({ dataDir })
    const entry = coordinator.tasks.get('market-p-1')!
    expect([...entry.participants!]).toEqual([provider.keys.address])
  })
})
