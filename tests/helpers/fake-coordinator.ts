import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { io } from 'socket.io-client'
import { tabParser } from '../../client/session/bounded-parser'
import type { ClientSocket } from '../../client/session/client-socket'
import { FederatedSession, type TabPolicy } from '../../client/session/federated-session'
import type { TabEncryption } from '../../client/session/tab-encryption'
import type { TrainerPort, TrainResult } from '../../client/training/trainer-port'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import { encodeFloat32 } from '../../shared/codec'
import type { RoundStartMessage, TaskInfo, TaskStateMessage } from '../../shared/protocol'

/**
 * A hostile coordinator for tests of what a tab enforces: a socket.io server on loopback that answers a tab's join
 * as the real one does, records every event the tab sends, and lets the test send anything, downgrades included
 * (the real coordinator never sends those, so its own tests cannot reach the tab's refusals).
 */
export interface FakeCoordinator {
  readonly url: string
  /** Every event the tab sent after joining, by name, with its payload. */
  readonly received: { event: string; payload: unknown }[]
  /** The joined tab's socket, server side (after `joined`). */
  readonly joined: Promise<import('socket.io').Socket>
  close(): Promise<void>
}

export const TASK: TaskInfo = {
  id: 'fake',
  name: 'fake',
  description: 'a task served by a test double',
  features: ['a', 'b', 'c'],
  classNames: ['no', 'yes'],
  model: { kind: 'logistic' } as TaskInfo['model'],
  dataset: { kind: 'demo-diabetes', seed: 1 },
}

export const WEIGHTS = new Float32Array(4)

export function taskState(overrides: {
  encryption?: TaskStateMessage['encryption']
  privacy?: Partial<TaskStateMessage['privacy']>
}): TaskStateMessage {
  return {
    phase: 'idle' as TaskStateMessage['phase'],
    stopped: null,
    encryption: overrides.encryption ?? { mode: 'off', keyId: null },
    privacy: { mode: 'off', exampleLevel: false, epsilonBudget: 10, ...overrides.privacy },
  }
}

/** A round start as the coordinator sends it; a test strips or weakens what it likes. */
export function roundStart(round: number, patch: Partial<RoundStartMessage> = {}): RoundStartMessage {
  return {
    round,
    deadline: Date.now() + 60_000,
    model: { round: round - 1, version: `r${round - 1}-0123456789ab`, weights: encodeFloat32(WEIGHTS) },
    settings: { epochs: 1, batchSize: 10, learningRate: 0.1, optimizer: 'sgd', dpSgd: null },
    privacy: null,
    encryption: null,
    ...patch,
  }
}

export async function startFakeCoordinator(
  state: TaskStateMessage,
  task: TaskInfo = TASK,
): Promise<FakeCoordinator> {
  const server = new Server(0, { parser: tabParser })
  const received: FakeCoordinator['received'] = []
  const ok = (value: unknown) => ({ ok: true, value })
  const joined = new Promise<import('socket.io').Socket>((resolve) => {
    server.on('connection', (socket) => {
      socket.onAny((event: string, payload: unknown, ack?: (reply: unknown) => void) => {
        received.push({ event, payload })
        const answer: Record<string, unknown> = {
          'client:account': { address: 'x', balance: 0, stake: null },
          'client:challenge': { challenge: '00'.repeat(32), connection: socket.id, issuedAt: Date.now() },
          'client:hello': {
            clientId: 'tab-1',
            task,
            partition: { index: 0, seed: 1, count: 1 },
            model: { round: 0, version: 'r0-0123456789ab', weights: encodeFloat32(WEIGHTS) },
            maxMessageBytes: 1e6,
            frameBytes: 1e6,
            state,
          },
        }
        if (typeof ack === 'function') ack(ok(answer[event] ?? null))
        if (event === 'client:ready') resolve(socket)
      })
    })
  })
  const port = (server.httpServer.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    joined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** A trainer that trains nothing: it counts its calls and returns a fixed delta. */
export function stubTrainer(examples = 100) {
  const calls = { train: 0, statistics: 0 }
  const result: TrainResult = {
    delta: new Float32Array([0.1, 0.1, 0.1, 0.1]),
    examples,
    metrics: { loss: 0.5, accuracy: 0.5 },
    durationMs: 1,
  }
  const trainer = {
    backend: 'stub',
    prepare: async () => ({ trainExamples: examples, testExamples: 10, classBalance: [0.5, 0.5] }),
    train: async () => {
      calls.train += 1
      return result
    },
    evaluate: async () => ({
      examples: 10,
      lossSum: 5,
      confusion: [
        [5, 0],
        [0, 5],
      ],
    }),
    columnStatistics: async () => {
      calls.statistics += 1
      return [{ name: 'a', count: 1, sum: 0, sumSquares: 0 }]
    },
  } as unknown as TrainerPort
  return { trainer, calls }
}

/** A real FederatedSession (the code a tab runs) joined to `url`. */
export function startTab(
  url: string,
  trainer: TrainerPort,
  options: { keys?: KeyPair; encryption?: TabEncryption | null; policy?: TabPolicy; taskId?: string } = {},
): FederatedSession {
  const socket: ClientSocket = io(url, {
    forceNew: true,
    transports: ['websocket'],
    autoConnect: false,
    parser: tabParser,
  })
  const session = new FederatedSession(
    socket,
    trainer,
    options.taskId ?? TASK.id,
    options.keys ?? generateKeyPair(),
    options.encryption ?? null,
    undefined,
    options.policy,
  )
  session.start()
  return session
}
