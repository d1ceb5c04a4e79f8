/**
 * A Node worker thread that trains for the clients pinned to it (see trainer-pool.ts): one `LocalTrainer` per
 * client, all on this thread's own tfjs engine, taking turns as clients in one process always have. Only deltas,
 * counts, metrics and reports are posted back; rows stay here.
 */

import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { activateNodeBackend } from '../training/backend-node'
import { LocalTrainer } from '../training/local-trainer'
import type { TrainProgress } from '../training/trainer-port'
import type { TrainerThreadData, TrainerThreadReply, TrainerThreadRequest } from './trainer-thread-messages'

const port = parentPort
if (!port) throw new Error('trainer-thread.ts runs as a worker thread started by TrainerPool')
const post = (reply: TrainerThreadReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(reply, transfer)

// As the command line does (cli/quiet-tfjs.ts): no "install tfjs-node" banner per thread; kernels are unchanged.
tf.enableProdMode()
const active = await activateNodeBackend((workerData as TrainerThreadData).backend)
const backend = `node-${active}`
const trainers = new Map<number, LocalTrainer>()
/**
 * Progress crosses to the main thread at most this often, and always at the end: a message per batch costs a thread
 * switch each, and the session reports progress to the coordinator every 200 ms at most.
 */
const PROGRESS_EVERY_MS = 50
/** Training requests under way, by request id, so an `abort` can stop one. */
const running = new Map<number, AbortController>()

function trainerFor(id: number): LocalTrainer {
  let trainer = trainers.get(id)
  if (!trainer) {
    trainer = new LocalTrainer(backend)
    trainers.set(id, trainer)
  }
  return trainer
}

async function handle(message: TrainerThreadRequest): Promise<void> {
  const reply = (value: Extract<TrainerThreadReply, { type: 'result' }>['value']): void =>
    post({ type: 'result', id: message.id, value })
  switch (message.type) {
    case 'load-csv': {
      const onProgress = (fraction: number): void => post({ type: 'load-progress', id: message.id, fraction })
      const report = await trainerFor(message.trainer).loadCsv(
        message.text,
        message.fileName,
        message.schema,
        message.choices,
        onProgress,
      )
      return reply(report)
    }
    case 'prepare':
      return reply(await trainerFor(message.trainer).prepare(message.task, message.partition))
    case 'train': {
      const controller = new AbortController()
      running.set(message.id, controller)
      try {
        let lastSent = Number.NEGATIVE_INFINITY
        const onProgress = (progress: TrainProgress): void => {
          const now = performance.now()
          if (progress.fraction < 1 && now - lastSent < PROGRESS_EVERY_MS) return
          lastSent = now
          post({ type: 'progress', id: message.id, progress })
        }
        const result = await trainerFor(message.trainer).train(message.request, onProgress, controller.signal)
        post({ type: 'result', id: message.id, value: result }, [result.delta.buffer as ArrayBuffer])
      } finally {
        running.delete(message.id)
      }
      return
    }
    case 'abort':
      running.get(message.target)?.abort()
      return reply(null)
    case 'evaluate':
      return reply(await trainerFor(message.trainer).evaluate(message.weights))
    case 'held-out-row':
      return reply(await trainerFor(message.trainer).heldOutRow(message.index))
    case 'column-statistics':
      return reply(await trainerFor(message.trainer).columnStatistics(message.epsilon))
    case 'dispose':
      trainers.get(message.trainer)?.dispose()
      trainers.delete(message.trainer)
      return reply(null)
    default: {
      const _exhaustive: never = message
      throw new Error(`unknown trainer thread request ${JSON.stringify(_exhaustive)}`)
    }
  }
}

port.on('message', (message: TrainerThreadRequest) => {
  handle(message).catch((error: unknown) => {
    const name = error instanceof Error ? error.name : 'Error'
    const text = error instanceof Error ? error.message : String(error)
    post({ type: 'error', id: message.id, name, message: text })
  })
})
post({ type: 'ready', backend })
