import { errorMessage } from '../../shared/errors'
import type { TaskListing } from '../../shared/protocol'
import { fail, type Result } from '../../shared/result'
import type { ClientSocket } from './client-socket'
import { request, unanswered } from './request'

const TIMEOUT_MS = 15_000

/** The coordinator's tasks, asked over the training socket (connecting it if needed). */
export async function fetchTasks(socket: ClientSocket): Promise<Result<readonly TaskListing[]>> {
  if (!socket.connected) {
    socket.connect()
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), TIMEOUT_MS)
      socket.once('connect', () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    if (!connected) return fail('invalid-state', 'cannot reach the coordinator: no connection')
  }
  const tasks = await request(socket, 'client:tasks', undefined, { timeoutMs: TIMEOUT_MS })
  if (tasks.ok || !unanswered(tasks.error)) return tasks
  return fail('invalid-state', `cannot reach the coordinator: ${errorMessage(tasks.error.cause)}`)
}
