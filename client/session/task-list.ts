import type { TaskListing } from '../../shared/protocol'
import { fail, type Result } from '../../shared/result'
import type { ClientSocket } from './federated-session'

const TIMEOUT_MS = 15_000

/** The coordinator's tasks, asked over the training socket (connecting it if needed). */
export async function fetchTasks(socket: ClientSocket): Promise<Result<readonly TaskListing[]>> {
  try {
    if (!socket.connected) {
      socket.connect()
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no connection')), TIMEOUT_MS)
        socket.once('connect', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    const ask = socket.timeout(TIMEOUT_MS) as unknown as {
      emitWithAck(event: 'client:tasks'): Promise<Result<readonly TaskListing[]>>
    }
    return await ask.emitWithAck('client:tasks')
  } catch (error) {
    return fail(
      'invalid-state',
      `cannot reach the coordinator: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}
