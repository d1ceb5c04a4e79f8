import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { type JoinChallenge, proveIdentity } from '../../shared/identity/proof'
import { PROTOCOL_VERSION } from '../../shared/protocol'
import type { Result } from '../../shared/result'
import { diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import { provenHello } from '../helpers/proven-join'

/** A peer that sends whatever it is told, as a spoofer would. */
function peer(url: string): {
  socket: Socket
  send: (event: string, payload: unknown) => Promise<Result<unknown>>
} {
  const socket = io(url, { forceNew: true, transports: ['websocket'] })
  return { socket, send: (event, payload) => socket.timeout(10_000).emitWithAck(event, payload) }
}
const code = (r: Result<unknown>): string => (r.ok ? 'ok' : r.error.code)

const provider = generateKeyPair()
const PROVIDER_TASK = 'bought-training'
let coordinator: Coordinator
const peers: ReturnType<typeof peer>[] = []
const open = () => {
  const p = peer(coordinator.url)
  peers.push(p)
  return p
}

beforeAll(async () => {
  coordinator = await startCoordinator({ port: 0, staticDir: null })
  // A provider-only task, as a market training purchase makes one: only the provider's account may train it.
  const added = coordinator.tasks.add(
    { ...diabetesDemoTask('logistic', 7), id: PROVIDER_TASK, name: 'Bought training' },
    { participants: new Set([provider.address]) },
  )
  expect(added.ok).toBe(true)
})

afterAll(async () => {
  for (const p of peers) p.socket.disconnect()
  await coordinator.close()
})

describe('identity is proven, never declared', () => {
  it("a spoofer holding only the provider's public key cannot join the provider's task", async () => {
    const spoofer = open()
    const spooferKeys = generateKeyPair()
    const unsigned = await spoofer.send('client:hello', {
      protocol: PROTOCOL_VERSION,
      backend: 'raw',
      taskId: PROVIDER_TASK,
      publicKey: provider.publicKey,
    })
    expect(unsigned).toMatchObject({ ok: false, error: { code: 'bad-payload' } })
    expect(!unsigned.ok && unsigned.error.message).toMatch(/proof/)
    // Signed with the spoofer's own key, under the provider's public key.
    const challenge = (await spoofer.send('client:challenge', {})) as Result<JoinChallenge>
    expect(challenge.ok).toBe(true)
    const forged = await spoofer.send('client:hello', {
      protocol: PROTOCOL_VERSION,
      backend: 'raw',
      taskId: PROVIDER_TASK,
      publicKey: provider.publicKey,
      proof: proveIdentity(
        spooferKeys,
        'privx-join',
        (challenge as { value: JoinChallenge }).value,
        PROVIDER_TASK,
      ),
    })
    expect(forged).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    // Under its own key it is simply not the provider.
    expect(
      code(await spoofer.send('client:hello', await provenHello(spoofer.send, spooferKeys, PROVIDER_TASK))),
    ).toBe('forbidden')
    expect(coordinator.tasks.get(PROVIDER_TASK)!.federation.state.clients.size).toBe(0)
  })

  it("a proof captured from the provider's connection is refused when replayed on another", async () => {
    const real = open()
    const spoofer = open()
    const captured = await provenHello(real.send, provider, PROVIDER_TASK)
    expect(code(await spoofer.send('client:challenge', {}))).toBe('ok')
    expect(await spoofer.send('client:hello', captured)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    })
    // And the provider, with the proof made for its own connection, joins.
    expect(code(await real.send('client:hello', captured))).toBe('ok')
    // Replayed on its own connection after use, the challenge is spent.
    const again = open()
    expect(code(await again.send('client:hello', captured))).toBe('unauthorized')
  })

  it('a proof for another task, or signed long ago, is refused; a challenge answers once', async () => {
    const p = open()
    const keys = generateKeyPair()
    const forOther = await provenHello(p.send, keys, 'demo-diabetes')
    expect(code(await p.send('client:hello', { ...forOther, taskId: PROVIDER_TASK }))).toBe('unauthorized')
    // The refused attempt spent the challenge: the same proof now finds none outstanding.
    expect(code(await p.send('client:hello', forOther))).toBe('unauthorized')
    const c = (await p.send('client:challenge', {})) as { value: JoinChallenge }
    const stale = proveIdentity(keys, 'privx-join', c.value, 'demo-diabetes', Date.now() - 10 * 60_000)
    const old = await p.send('client:hello', { ...forOther, proof: stale })
    expect(old).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect(!old.ok && old.error.message).toMatch(/timestamp/)
    expect(code(await p.send('client:hello', await provenHello(p.send, keys, 'demo-diabetes')))).toBe('ok')
    expect(coordinator.refusals.get('unauthorized')).toBeGreaterThanOrEqual(6)
  })
})
