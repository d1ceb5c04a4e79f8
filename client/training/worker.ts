/**
 * The tab's training worker: picks the tfjs backend, holds the local data and model, trains and evaluates.
 * Training here keeps the page responsive. Only deltas, counts and metrics are posted back, never rows.
 */

import '../zod-jitless'
import { forgetRows, loadSavedRows, saveRows } from '../data/csv/saved-rows'
import { activateBrowserBackend } from './backend-browser'
import { parseBackendName } from './backend-choice'
import { LocalTrainer } from './local-trainer'
import type { TrainProgress } from './trainer-port'
import type { WorkerReply, WorkerRequest } from './worker-messages'

type Scope = {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerRequest>) => void): void
}
const scope = self as unknown as Scope

let trainer: LocalTrainer | null = null
const running = new Map<number, AbortController>()

function need(): LocalTrainer {
  if (!trainer) throw new Error('training worker used before init')
  return trainer
}

async function handle(message: WorkerRequest): Promise<void> {
  switch (message.type) {
    case 'init': {
      const choice = await activateBrowserBackend(parseBackendName(message.requested))
      trainer = new LocalTrainer(choice.backend)
      scope.postMessage({ id: message.id, type: 'result', value: choice })
      return
    }
    case 'load-csv': {
      const onProgress = (fraction: number): void =>
        scope.postMessage({ id: message.id, type: 'load-progress', fraction })
      const report = await need().loadCsv(
        message.file,
        message.fileName,
        message.schema,
        message.choices,
        onProgress,
      )
      scope.postMessage({ id: message.id, type: 'result', value: report })
      return
    }
    case 'save-csv': {
      const csv = need().loadedCsv
      if (!csv) throw new Error('no CSV rows to save: load a file first')
      await saveRows(message.taskId, { ...csv, savedAt: Date.now() })
      scope.postMessage({ id: message.id, type: 'result', value: null })
      return
    }
    case 'saved-csv': {
      const saved = await loadSavedRows(message.taskId, message.schema)
      const info = saved && {
        fileName: saved.report.fileName,
        rows: saved.rows.count,
        savedAt: saved.savedAt,
      }
      scope.postMessage({ id: message.id, type: 'result', value: info })
      return
    }
    case 'restore-csv': {
      const saved = await loadSavedRows(message.taskId, message.schema)
      if (saved) need().useLoadedCsv(saved)
      scope.postMessage({ id: message.id, type: 'result', value: saved?.report ?? null })
      return
    }
    case 'forget-csv':
      await forgetRows(message.taskId)
      scope.postMessage({ id: message.id, type: 'result', value: null })
      return
    case 'prepare':
      scope.postMessage({
        id: message.id,
        type: 'result',
        value: await need().prepare(message.task, message.partition),
      })
      return
    case 'train': {
      const controller = new AbortController()
      running.set(message.id, controller)
      try {
        const onProgress = (progress: TrainProgress): void =>
          scope.postMessage({ id: message.id, type: 'progress', progress })
        const result = await need().train(message.request, onProgress, controller.signal)
        scope.postMessage({ id: message.id, type: 'result', value: result }, [
          result.delta.buffer as ArrayBuffer,
        ])
      } finally {
        running.delete(message.id)
      }
      return
    }
    case 'abort':
      running.get(message.target)?.abort()
      scope.postMessage({ id: message.id, type: 'result', value: null })
      return
    case 'column-statistics':
      scope.postMessage({
        id: message.id,
        type: 'result',
        value: await need().columnStatistics(message.epsilon),
      })
      return
    case 'held-out-row':
      scope.postMessage({ id: message.id, type: 'result', value: await need().heldOutRow(message.index) })
      return
    case 'evaluate':
      scope.postMessage({ id: message.id, type: 'result', value: await need().evaluate(message.weights) })
      return
    default: {
      const _exhaustive: never = message
      throw new Error(`unknown worker request ${JSON.stringify(_exhaustive)}`)
    }
  }
}

scope.addEventListener('message', (event) => {
  handle(event.data).catch((error: unknown) => {
    const name = error instanceof Error ? error.name : 'Error'
    const text = error instanceof Error ? error.message : String(error)
    scope.postMessage({ id: event.data.id, type: 'error', name, message: text })
  })
})
