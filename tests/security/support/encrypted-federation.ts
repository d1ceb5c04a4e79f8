import { expect } from 'vitest'
import { type HeadlessClient, startHeadlessClient } from '../../../client/headless/headless-client'
import { type Coordinator, startCoordinator } from '../../../coordinator/server'
import { generateKeyPair } from '../../../shared/chain/keys'
import { seededRandom } from '../../../shared/random'
import type { Result } from '../../../shared/result'
import { diabetesDemoTask } from '../../../shared/tasks/diabetes-demo'
import { provenHello } from '../../helpers/proven-join'
import { RawSocketIo } from '../../helpers/raw-socket-io'
import { waitFor } from '../../helpers/wait'

/** The task the encrypted-history attacks run: BFV rounds of a small model, three tabs needed per round. */
export const TASK = diabetesDemoTask('logistic', 12)

export type Answer = { ok: boolean; value?: unknown; error?: { code: string; message: string } }

export function expectRefused(answer: unknown, code: string, message: RegExp): void {
  expect(answer).toMatchObject({ ok: false, error: { code } })
  expect((answer as Answer).error!.message).toMatch(message)
}

/**
 * A coordinator running `TASK` under BFV, a checkpoint asked for every `checkpointEvery` aggregates, and `tabs`
 * headless tabs (each handed to `tamper` before it joins) holding the key.
 */
export async function startEncryptedFederation(
  checkpointEvery: number,
  tamper: (tab: HeadlessClient, index: number) => void,
): Promise<{ coordinator: Coordinator; tabs: HeadlessClient[] }> {
  const coordinator = await startCoordinator({
    port: 0,
    staticDir: null,
    tasks: [TASK],
    random: seededRandom(11),
    checkpointEvery,
    tickMs: 50,
    config: {
      rounds: 1,
      minClients: 3,
      localEpochs: 1,
      learningRate: 0.05,
      encryption: { mode: 'bfv', clamp: 4 },
    },
  })
  const tabs: HeadlessClient[] = []
  for (let i = 0; i < 3; i++) {
    const tab = await startHeadlessClient(coordinator.url, { backend: 'cpu' })
    tamper(tab, i)
    tabs.push(tab)
  }
  await waitFor(() => coordinator.federation.custody.holders === 3, 'three tabs holding the key', 30_000)
  return { coordinator, tabs }
}

/** Runs the task to `rounds` aggregates and waits for every tab to decrypt the last. */
export async function trainTo(
  coordinator: Coordinator,
  tabs: HeadlessClient[],
  rounds: number,
): Promise<void> {
  const federation = coordinator.federation
  expect(federation.configure({ rounds }).ok).toBe(true)
  expect(federation.control('start').ok).toBe(true)
  await waitFor(() => federation.state.completedRounds === rounds, `${rounds} encrypted rounds`, 30_000)
  await waitFor(
    () => tabs.every((t) => t.session.model?.round === rounds),
    'every tab decrypting the last aggregate',
    15_000,
  )
}

let nextAck = 900
/** A binary event with an ack id of its own; resolves with the answer (attachments as placeholders). */
export async function askBinary(peer: RawSocketIo, event: string, payload: unknown, parts: Uint8Array[]) {
  const id = nextAck++
  const from = peer.received.length
  const pattern = new RegExp(`^4(?:3|6\\d+-)${id}(\\[.*)$`, 's')
  let answer: unknown
  peer.emitBinary(event, payload, parts, id)
  await waitFor(
    () =>
      peer.received.slice(from).some((frame) => {
        const match = typeof frame === 'string' ? pattern.exec(frame) : null
        if (match) answer = (JSON.parse(match[1]!) as unknown[])[0]
        return match !== null
      }),
    `the answer to ${event}`,
    10_000,
  )
  return answer as Answer
}

/** Payloads of the events `name` a raw peer received. */
export function eventsOf(peer: RawSocketIo, name: string): Record<string, unknown>[] {
  return peer.received.flatMap((frame) => {
    const match = typeof frame === 'string' ? /^4[25](?:\d+-)?(\[.*)$/s.exec(frame) : null
    if (!match) return []
    const [event, payload] = JSON.parse(match[1]!) as [unknown, Record<string, unknown>]
    return event === name ? [payload] : []
  })
}

/** A raw peer joined to `TASK` with a fresh account (and an envelope key, to be sent the HE key). */
export async function rawJoin(coordinator: Coordinator, options: { envelopeKey?: Uint8Array } = {}) {
  const peer = await RawSocketIo.connect(coordinator.url)
  const send = (event: string, payload: unknown) => peer.ask(event, payload) as Promise<Result<unknown>>
  const hello = await provenHello(send, generateKeyPair(), TASK.id)
  const reply = options.envelopeKey
    ? await askBinary(peer, 'client:hello', { ...hello, envelopeKey: { _placeholder: true, num: 0 } }, [
        options.envelopeKey,
      ])
    : ((await send('client:hello', hello)) as Answer)
  expect(reply).toMatchObject({ ok: true })
  return { peer, id: (reply.value as { clientId: string }).clientId }
}
