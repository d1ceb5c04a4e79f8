/**
 * A trainer thread that starts, then dies on its first request: `train` exits the thread with code 3, anything else
 * throws an uncaught error. For the pool's crash tests (tests/client/trainer-pool.test.ts).
 */
import { parentPort } from 'node:worker_threads'
import type { TrainerThreadRequest } from '../../../client/headless/trainer-thread-messages'

parentPort!.postMessage({ type: 'ready', backend: 'node-test' })
parentPort!.on('message', (message: TrainerThreadRequest) => {
  if (message.type === 'train') process.exit(3)
  setTimeout(() => {
    throw new Error('kernel blew up')
  })
})
