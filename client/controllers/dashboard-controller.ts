import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { io, type Socket } from 'socket.io-client'
import type { Block, BlockHeader, InclusionProof } from '../../shared/chain/block'
import {
  type ChainVerification,
  type ChainView,
  type ControlAction,
  type CreateTaskRequest,
  DASHBOARD_NAMESPACE,
  type DashboardClientEvents,
  type DashboardServerEvents,
  type DashboardSnapshot,
  type ModelDownload,
  type TaskSummary,
} from '../../shared/protocol'
import type { Result } from '../../shared/result'
import type { TrainingConfig, TrainingConfigPatch } from '../../shared/rounds/config'
import {
  type RequestEvent,
  type RequestPayload,
  type RequestReply,
  request,
  unanswered,
} from '../session/request'
import { takeControlToken } from './control-token'

type DashboardSocket = Socket<DashboardServerEvents, DashboardClientEvents>

/**
 * Live snapshots of one task for the coordinator page (`?task=`), and its controls. The control token comes from the
 * link's fragment or this tab's sessionStorage ({@link takeControlToken}) and travels only in the handshake `auth`.
 */
export class DashboardController implements ReactiveController {
  snapshot: DashboardSnapshot | null = null
  connected = false
  /** The coordinator's clock minus this browser's, from the last snapshot: "n seconds ago" uses server time. */
  clockOffset = 0
  #socket: DashboardSocket | null = null

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this)
  }

  hostConnected(): void {
    const token = takeControlToken()
    const taskId = new URLSearchParams(location.search).get('task') ?? ''
    const socket: DashboardSocket = io(DASHBOARD_NAMESPACE, {
      auth: { token, taskId },
      transports: ['websocket', 'polling'],
    })
    socket.on('connect', () => this.#update(() => (this.connected = true)))
    socket.on('disconnect', () => this.#update(() => (this.connected = false)))
    socket.on('dashboard:snapshot', (snapshot) =>
      this.#update(() => {
        this.snapshot = snapshot
        this.clockOffset = snapshot.now - Date.now()
      }),
    )
    this.#socket = socket
  }

  hostDisconnected(): void {
    this.#socket?.disconnect()
    this.#socket = null
  }

  /** The task this page details. */
  get taskId(): string {
    return this.snapshot?.task.id ?? ''
  }

  watch(taskId: string): Promise<Result<null>> {
    const url = new URL(location.href)
    url.searchParams.set('task', taskId)
    history.replaceState(null, '', url)
    return this.#ask('dashboard:watch', { taskId })
  }

  control(action: ControlAction): Promise<Result<null>> {
    return this.#ask('dashboard:control', { taskId: this.taskId, action })
  }

  configure(patch: TrainingConfigPatch): Promise<Result<TrainingConfig>> {
    return this.#ask('dashboard:configure', { taskId: this.taskId, patch })
  }

  chain(): Promise<Result<ChainView>> {
    return this.#ask('dashboard:chain', {})
  }

  block(index: number): Promise<Result<Block>> {
    return this.#ask('dashboard:block', { index })
  }

  fundTask(taskId: string, amount: number): Promise<Result<{ escrow: number }>> {
    return this.#ask('dashboard:fund-task', { taskId, amount })
  }

  /** The chain's verification as the coordinator keeps it (no work for the coordinator). */
  verifyChain(): Promise<Result<ChainVerification>> {
    return this.#ask('dashboard:verify-chain', {})
  }

  /** A full re-verification from storage (control token; the coordinator allows one a minute). */
  reverifyChain(): Promise<Result<ChainVerification>> {
    return this.#ask('dashboard:reverify-chain', {})
  }

  proof(
    txId: string,
  ): Promise<Result<{ proof: InclusionProof; block: BlockHeader; blockHash: string; valid: boolean }>> {
    return this.#ask('dashboard:proof', { txId })
  }

  requestStatistics(epsilon: number): Promise<Result<string>> {
    return this.#ask('dashboard:statistics', { taskId: this.taskId, epsilon })
  }

  /** The watched task's global model, to save (control token). */
  model(): Promise<Result<ModelDownload>> {
    return this.#ask('dashboard:model', { taskId: this.taskId })
  }

  createTask(task: CreateTaskRequest): Promise<Result<TaskSummary>> {
    return this.#ask('dashboard:create-task', task)
  }

  /** A request over this page's socket: refused at once when not connected; a missing answer says so. */
  async #ask<E extends RequestEvent<DashboardClientEvents>>(
    event: E,
    payload: RequestPayload<DashboardClientEvents, E>,
  ): Promise<Result<RequestReply<DashboardClientEvents, E>>> {
    if (!this.#socket?.connected)
      return { ok: false, error: { code: 'invalid-state', message: 'not connected to the coordinator' } }
    // A full re-verification is refused for a minute after the last: retrying within seconds would not help.
    const retryRateLimited = event !== 'dashboard:reverify-chain'
    const result = await request(this.#socket, event, payload, { timeoutMs: 10_000, retryRateLimited })
    if (result.ok || !unanswered(result.error)) return result
    return { ok: false, error: { code: 'invalid-state', message: 'the coordinator did not answer' } }
  }

  #update(change: () => void): void {
    change()
    this.host.requestUpdate()
  }
}
