import { del, get, set } from 'idb-keyval'
import type { TaskSchema } from '../../../shared/tasks/schema'
import type { EncodedRows } from './csv-ingest'
import type { CsvReport } from './csv-report'

/** What a tab keeps in this browser's IndexedDB, only when the person asked it to. Never sent anywhere. */
export interface SavedRows {
  readonly schema: TaskSchema
  readonly rows: EncodedRows
  readonly report: CsvReport
  readonly savedAt: number
}

export interface SavedRowsInfo {
  readonly fileName: string
  readonly rows: number
  readonly savedAt: number
}

const key = (taskId: string): string => `privx:csv:${taskId}`

export async function saveRows(taskId: string, saved: SavedRows): Promise<void> {
  await set(key(taskId), saved)
}

/** The rows saved for a task, if they were read with this same schema; rows saved for another schema are dropped. */
export async function loadSavedRows(taskId: string, schema: TaskSchema): Promise<SavedRows | null> {
  const saved = (await get(key(taskId))) as SavedRows | undefined
  if (!saved) return null
  if (JSON.stringify(saved.schema) !== JSON.stringify(schema)) {
    await del(key(taskId))
    return null
  }
  return saved
}

export async function forgetRows(taskId: string): Promise<void> {
  await del(key(taskId))
}
