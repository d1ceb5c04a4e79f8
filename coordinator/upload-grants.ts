import type { Socket } from 'socket.io'
import { marketOf } from '../shared/chain/state'
import { uploadRequestSchema } from '../shared/guards'
import type { UploadGrantMessage } from '../shared/protocol'
import { fail, ok, type Result } from '../shared/result'
import type { ChainService } from './chain/chain-service'
import { grantOf, grantUpload } from './socket/frame-allowance'
import { baseFrameCap, type FrameCapSettings, uploadBound } from './socket/frame-cap'
import { type EventHandler, guarded } from './socket/handler-table'
import type { NetworkLimits } from './socket/limits'
import { SlotPool, type SlotRefusal } from './socket/slot-pool'
import type { TaskEntry, TaskRegistry } from './task-registry'

/** What the handler needs of a client connection (the gateway's context has it). */
export interface UploadContext {
  readonly socket: Socket & { readonly data: { readonly clientId?: string } }
  readonly entry: TaskEntry | undefined
}

/** Uploads (private predictions, sealed copies) one address may hold or await in the shared pool at once. */
const OPEN_UPLOADS_PER_ADDRESS = 2

/**
 * `client:upload`: room for one frame over the base cap. Legal sizes come from the task (`uploadBound`); a task's
 * slots go only to its running round's selected participants, a sealed copy's only to a copy purchase awaiting
 * delivery (one upload per purchase), and one address holds or awaits at most two of the shared slots. A request
 * that finds every slot taken waits for one (backpressure): an update until its round's deadline, anything else for
 * `uploadWaitMs`; a connection waits for one slot at a time (a newer update request takes the place of one still
 * waiting), a slot that frees after the update's round ended goes to the next in line, and a request past
 * `uploadQueue` waiting ones is refused as `rate-limited` (the tab asks again). A grant raises the connection's frame cap until its bulky event, its expiry
 * or a disconnect.
 */
export function uploadHandler(deps: {
  readonly tasks: TaskRegistry
  readonly chain: ChainService
  readonly limits: NetworkLimits
  readonly frames: FrameCapSettings
}): EventHandler<UploadGrantMessage, UploadContext> {
  const { tasks, chain, limits, frames } = deps
  const baseCap = baseFrameCap(frames)
  /** Upload slots: one pool per task for its participants' updates, one for everything else. */
  const taskPools = new Map<string, SlotPool>()
  const openPool = new SlotPool(limits.uploadsInFlight, limits.uploadQueue)
  /** Open-pool uploads held or awaited per address, and copy uploads per purchase: no one takes every slot. */
  const openByAddress = new Map<string, number>()
  const copyUploads = new Set<string>()
  /** Connections with a request waiting for a slot (one each), and how to withdraw it. */
  const waiting = new WeakMap<Socket, AbortController>()
  const poolOf = (taskId: string): SlotPool => {
    const pool = taskPools.get(taskId) ?? new SlotPool(limits.uploadsInFlight, limits.uploadQueue)
    taskPools.set(taskId, pool)
    return pool
  }

  return guarded('upload request', uploadRequestSchema, async (request, c: UploadContext) => {
    const task = request.taskId ? tasks.get(request.taskId) : undefined
    if (request.taskId && !task) return fail('unknown-task', `no task "${request.taskId}" here`)
    const bound = uploadBound(request.kind, task?.task, frames)
    if (!bound.ok) return bound
    if (request.bytes > bound.value)
      return fail(
        'too-large',
        `bytes: ${request.bytes} is over the ${bound.value} a ${request.kind} upload may take here`,
      )
    const expiresAt = Date.now() + limits.uploadGrantMs
    if (request.bytes <= baseCap) return ok({ bytes: baseCap, expiresAt })
    if (grantOf(c.socket)) return fail('invalid-state', 'this connection already holds an upload grant')
    const earlier = waiting.get(c.socket)
    // A newer update request replaces one still waiting (its round may have ended, and the client moved on to the
    // next); any other kind waits one at a time.
    if (earlier && request.kind === 'update') earlier.abort()
    else if (earlier) return fail('invalid-state', 'this connection already waits for an upload slot')
    let pool = openPool
    /** The round an update request is for: a slot that frees after that round ended goes to the next in line. */
    let roundNumber: number | null = null
    const address = c.socket.conn.remoteAddress ?? 'unknown'
    if (request.kind === 'copy') {
      const purchase = request.purchaseId ? marketOf(chain.state).purchases[request.purchaseId] : undefined
      if (purchase?.kind !== 'copy' || purchase.status !== 'pending')
        return fail(
          'forbidden',
          'purchaseId: room for a sealed copy is given only for a copy purchase awaiting delivery',
        )
      if (copyUploads.has(purchase.purchaseId))
        return fail('invalid-state', `an upload for ${purchase.purchaseId} is already under way`)
    }
    if (request.kind !== 'update' && (openByAddress.get(address) ?? 0) >= OPEN_UPLOADS_PER_ADDRESS)
      return fail('rate-limited', `${OPEN_UPLOADS_PER_ADDRESS} uploads from ${address} are already under way`)
    if (request.kind === 'update') {
      const id = c.socket.data.clientId
      if (!id || !task || c.entry !== task)
        return fail('not-joined', `join task "${request.taskId}" before uploading to it`)
      if (!task.federation.awaitsUpdateFrom(id))
        return fail('not-selected', `${id} has no update outstanding in the running round`)
      pool = poolOf(task.task.id)
      roundNumber = task.federation.state.round?.number ?? null
    }
    // Held (and awaited) open uploads count against their address and purchase until their slot is free again.
    const purchaseId = request.kind === 'copy' ? request.purchaseId! : null
    const open = request.kind !== 'update'
    if (purchaseId) copyUploads.add(purchaseId)
    if (open) openByAddress.set(address, (openByAddress.get(address) ?? 0) + 1)
    const done = () => {
      if (purchaseId) copyUploads.delete(purchaseId)
      if (!open) return
      const left = (openByAddress.get(address) ?? 1) - 1
      if (left <= 0) openByAddress.delete(address)
      else openByAddress.set(address, left)
    }
    // Backpressure: the request waits its turn (until its round's deadline for an update), and the connection may
    // not ask again while it waits; only a request past the queue's bound is refused at once.
    const leaving = new AbortController()
    const onDisconnect = () => leaving.abort()
    c.socket.once('disconnect', onDisconnect)
    waiting.set(c.socket, leaving)
    // An update waits no longer than its round's deadline, anything else `uploadWaitMs`.
    const wait =
      request.kind === 'update'
        ? (task!.federation.state.round?.deadline ?? 0) - Date.now()
        : limits.uploadWaitMs
    const slot = await pool.acquire(Math.max(0, wait), leaving.signal)
    if (waiting.get(c.socket) === leaving) waiting.delete(c.socket)
    c.socket.off('disconnect', onDisconnect)
    if (typeof slot !== 'function') {
      done()
      if (slot === 'cancelled' && c.socket.connected)
        return fail('stale-round', 'a newer upload request from this connection took the place of this one')
      return slotRefusal(slot, pool, request.kind === 'update' ? task!.task.id : null, limits)
    }
    const freeSlot = () => {
      slot()
      done()
    }
    if (!c.socket.connected) {
      freeSlot()
      return fail('invalid-state', 'the connection closed while waiting')
    }
    // The round may have ended while this update waited: its slot goes to the next in line.
    const sameRound = task?.federation.state.round?.number === roundNumber
    if (
      request.kind === 'update' &&
      !(sameRound && task!.federation.awaitsUpdateFrom(c.socket.data.clientId!))
    ) {
      freeSlot()
      return fail('stale-round', 'the round ended while this update waited for an upload slot')
    }
    const grant = grantUpload(c.socket, request.bytes, baseCap, limits.uploadGrantMs, freeSlot)
    return grant
      ? ok({ bytes: grant.bytes, expiresAt: grant.expiresAt })
      : fail('invalid-state', 'this transport cannot take a larger frame')
  })
}

/** Why a request got no slot, said so that the asker knows to ask again later. */
function slotRefusal(
  reason: SlotRefusal,
  pool: SlotPool,
  /** The task whose update asked; null for the shared pool. */
  taskId: string | null,
  limits: NetworkLimits,
): Result<never> {
  const which = taskId === null ? 'the shared' : `task ${taskId}'s`
  switch (reason) {
    case 'queue-full':
      return fail(
        'rate-limited',
        `${pool.queued} uploads already wait for ${which} ${pool.size} upload slots (at most ${limits.uploadQueue} may wait); try again`,
      )
    case 'timeout':
      return taskId === null
        ? fail('rate-limited', `no upload slot came free within ${limits.uploadWaitMs / 1000} s; try again`)
        : fail('stale-round', `the round's deadline passed before one of ${which} upload slots came free`)
    case 'cancelled':
      return fail('invalid-state', 'the connection closed while waiting')
  }
}
