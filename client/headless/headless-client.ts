import { io } from 'socket.io-client'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import type { CsvReport } from '../data/csv/csv-report'
import { tabParser } from '../session/bounded-parser'
import type { ClientSocket } from '../session/client-socket'
import { FederatedSession, type TabPolicy } from '../session/federated-session'
import { TabEncryption } from '../session/tab-encryption'
import { fetchTasks } from '../session/task-list'
import { activateNodeBackend, type NodeBackend } from '../training/backend-node'
import { LocalTrainer } from '../training/local-trainer'
import type { TrainerPort } from '../training/trainer-port'

export interface HeadlessClient {
  readonly session: FederatedSession
  readonly socket: ClientSocket
  /** The CSV's report, when the client trains on a CSV. */
  readonly csvReport: CsvReport | null
  /** Its side of encrypted aggregation (null when started with `encryption: false`). */
  readonly encryption: TabEncryption | null
  /** Leaves the federation and releases the model. */
  close(): void
}

export interface HeadlessOptions {
  readonly backend?: NodeBackend
  /**
   * The trainer to use instead of a `LocalTrainer` in this thread (`backend` is then ignored): one in a worker
   * thread of a `TrainerPool`. The client disposes it on close.
   */
  readonly trainer?: TrainerPort
  /** Task to join; the coordinator's first task by default. */
  readonly taskId?: string
  /** Take part in encrypted rounds (default true: SEAL loads when a task first needs it). */
  readonly encryption?: boolean
  /** A CSV to train on (for a CSV task), read in this process exactly as a tab reads it. */
  readonly csv?: { readonly text: string; readonly fileName: string }
  /** The client's account; a new one by default. */
  readonly keys?: KeyPair
  /**
   * Wraps the client's trainer before anything uses it (the CSV load included): a simulated malicious participant
   * (`ByzantineTrainer`) keeps the real session, signatures and socket.
   */
  readonly wrapTrainer?: (trainer: TrainerPort) => TrainerPort
  /** The client's own limits (`TabPolicy`: its column-statistics budget); the tab's defaults otherwise. */
  readonly policy?: TabPolicy
}

/**
 * A federated client in Node running the same core as a tab (FederatedSession + LocalTrainer), for tests, demos
 * and scale. Clients in one process share its tfjs engine and take turns training. Rejects with the reason when
 * the task is unknown or the CSV is unusable.
 */
export async function startHeadlessClient(
  url: string,
  options: HeadlessOptions = {},
): Promise<HeadlessClient> {
  const local =
    options.trainer ?? new LocalTrainer(`node-${await activateNodeBackend(options.backend ?? 'wasm')}`)
  const trainer = options.wrapTrainer ? options.wrapTrainer(local) : local
  const socket: ClientSocket = io(url, {
    forceNew: true,
    transports: ['websocket'],
    autoConnect: false,
    parser: tabParser,
  })
  const tasks = await fetchTasks(socket)
  if (!tasks.ok) {
    socket.disconnect()
    throw new Error(tasks.error.message, { cause: tasks.error })
  }
  const listing = options.taskId ? tasks.value.find((t) => t.task.id === options.taskId) : tasks.value[0]
  if (!listing) {
    socket.disconnect()
    throw new Error(
      `no task "${options.taskId}" on ${url}; tasks: ${tasks.value.map((t) => t.task.id).join(', ')}`,
    )
  }
  let csvReport: CsvReport | null = null
  if (listing.task.dataset.kind === 'csv') {
    if (!options.csv) {
      socket.disconnect()
      throw new Error(`task "${listing.task.id}" trains on CSV files: pass one`)
    }
    csvReport = await trainer.loadCsv(
      options.csv.text,
      options.csv.fileName,
      listing.task.dataset.schema,
      {},
      () => {},
    )
    if (csvReport.fatal) {
      socket.disconnect()
      throw new Error(`${options.csv.fileName}: ${csvReport.fatal}`)
    }
  }
  const encryption = options.encryption === false ? null : await TabEncryption.create(listing.task.id)
  const session = new FederatedSession(
    socket,
    trainer,
    listing.task.id,
    options.keys ?? generateKeyPair(),
    encryption,
    undefined,
    options.policy,
  )
  session.start()
  return {
    session,
    socket,
    encryption,
    csvReport,
    close(): void {
      session.stop()
      trainer.dispose()
    },
  }
}
