import { fail, ok, type Result } from '../../shared/result'
import {
  defaultRobustnessConfig,
  type TrainingConfig,
  type TrainingConfigPatch,
  trainingConfigSchema,
} from '../../shared/rounds/config'

/** The task's settings with `patch` applied, checked whole; a refusal names each bad field. */
export function mergeSettings(config: TrainingConfig, patch: TrainingConfigPatch): Result<TrainingConfig> {
  const merged = trainingConfigSchema.safeParse({ ...config, ...patch })
  if (merged.success) {
    // Choosing a robust rule for a task under encryption or DP is refused; switching those on keeps the task's rule
    // for rounds in the clear (its rounds then use FedAvg, and the page says so).
    const problem = patch.robustness ? robustnessProblem(merged.data) : null
    return problem ? fail('invalid-config', problem) : ok(merged.data)
  }
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

/**
 * Why a robust rule cannot run with these settings, or null. Median, trimmed mean, Krum and centered clipping need
 * every update in the clear: under encryption the coordinator only ever holds the sum. DP-FedAvg's guarantee is
 * for the noised sum over a fixed denominator; a rule that drops or reweighs updates has another sensitivity.
 */
export function robustnessProblem(config: TrainingConfig): string | null {
  const rule = config.robustness.aggregator
  if (rule === 'fedavg' || rule === defaultRobustnessConfig.aggregator) return null
  if (config.encryption.mode !== 'off') {
    return `robustness.aggregator: ${rule} needs each update in the clear, and under ${config.encryption.mode.toUpperCase()} encryption the coordinator only sees their sum; use fedavg (each tab still clamps its update and the weight cap applies) or switch encryption off`
  }
  if (config.privacy.mode !== 'off') {
    return `robustness.aggregator: ${rule} changes what one tab can move the aggregate by, which DP-FedAvg's accounting assumes is the clipped sum over a fixed denominator; use fedavg with differential privacy`
  }
  return null
}
