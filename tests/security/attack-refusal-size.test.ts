import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Coordinator, startCoordinator } from '../../coordinator/server'
import { generateKeyPair } from '../../shared/chain/keys'
import { provenHello } from '../helpers/proven-join'
import { RawSocketIo } from '../helpers/raw-socket-io'

/**
 * Failed before the fix: a refusal's text grows with the payload refused. parsePayload joins every zod issue, and zod lists
 * every unrecognized key and every bad array cell; the whole text goes into the ack, the event log (200 entries
 * kept) and every live-page snapshot. Measured: an unauthenticated client:challenge with 90,000 unknown keys (1 MB)
 * is refused with an 889 KB message; 60 of them and one /dashboard socket that does not read held 2.8 GB in 15 s.
 * A joined peer's client:evaluation with a 1000x250 matrix of -1 (750 KB) yields a 14 MB message and 0.8 s of CPU;
 * 12 of them with two live pages open held 3 GB.
 * Fix: cap the issues parsePayload reports (say the first 5, 500 characters), and cap EventLog entry text.
 */
let coordinator: Coordinator

beforeAll(async () => {
  coordinator = await startCoordinator({ port: 0, staticDir: null, encryption: false })
})

afterAll(async () => {
  await coordinator.close()
})

const longestLogEntry = (entries: readonly { text: string }[]) =>
  Math.max(0, ...entries.map((e) => e.text.length))

describe('refusals are bounded whatever was refused', () => {
  it('an unauthenticated payload with 90,000 unknown keys gets a short refusal, logged short', async () => {
    const peer = await RawSocketIo.connect(coordinator.url)
    const payload: Record<string, number> = {}
    for (let i = 0; i < 90_000; i++) payload[`k${i}`] = 0
    const answer = (await peer.ask('client:challenge', payload, 30_000)) as {
      ok: boolean
      error: { message: string }
    }
    peer.close()
    expect(answer.ok).toBe(false)
    expect(answer.error.message.length).toBeLessThan(10_000)
    expect(longestLogEntry(coordinator.log.entries)).toBeLessThan(10_000)
  })

  it("a joined peer's evaluation with a 1000x250 matrix of bad cells gets a short refusal, logged short", async () => {
    const peer = await RawSocketIo.connect(coordinator.url)
    const send = (event: string, payload: unknown) => peer.ask(event, payload, 30_000) as never
    const joined = (await peer.ask(
      'client:hello',
      await provenHello(send, generateKeyPair(), coordinator.federation.task.id),
      30_000,
    )) as { ok: boolean }
    expect(joined.ok).toBe(true)
    const confusion = Array.from({ length: 1000 }, () => Array(250).fill(-1))
    const answer = (await peer.ask('client:evaluation', { version: 'x', confusion }, 60_000)) as {
      ok: boolean
      error: { message: string }
    }
    peer.close()
    expect(answer.ok).toBe(false)
    expect(answer.error.message.length).toBeLessThan(10_000)
    expect(longestLogEntry(coordinator.federation.log.entries)).toBeLessThan(10_000)
  })
})
