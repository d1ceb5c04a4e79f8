import { fail, ok, type Result } from '../../shared/result'
import {
  type TrainingConfig,
  type TrainingConfigPatch,
  trainingConfigSchema,
} from '../../shared/rounds/config'

/** The task's settings with `patch` applied, checked whole; a refusal names each bad field. */
export function mergeSettings(config: TrainingConfig, patch: TrainingConfigPatch): Result<TrainingConfig> {
  const merged = trainingConfigSchema.safeParse({ ...config, ...patch })
  if (merged.success) return ok(merged.data)
  return fail(
    'invalid-config',
    merged.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  )
}

/** The event log's line for a change of settings ("settings changed: rounds=5, privacy={...}"), or null. */
export function settingsNote(patch: TrainingConfigPatch): string | null {
  const changed = Object.entries(patch).map(
    ([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
  )
  return changed.length ? `settings changed: ${changed.join(', ')}` : null
}
