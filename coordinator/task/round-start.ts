import type { GlobalModelMessage, RoundEncryptionMessage, RoundStartMessage } from '../../shared/protocol'
import type { TrainingConfig } from '../../shared/rounds/config'
import type { Effect } from '../../shared/rounds/state'

type Started = Extract<Effect, { type: 'round-started' }>

/** What every selected tab receives when a round starts: the model, its local settings, privacy and encryption. */
export function roundStartMessage(
  effect: Started,
  config: TrainingConfig,
  model: GlobalModelMessage,
  encryption: RoundEncryptionMessage | null,
): RoundStartMessage {
  const { localEpochs, batchSize, learningRate, optimizer, privacy: dp } = config
  const { exampleLevel, delta } = dp
  return {
    round: effect.round,
    deadline: effect.deadline,
    model,
    settings: {
      epochs: localEpochs,
      batchSize,
      learningRate,
      optimizer,
      dpSgd: exampleLevel.enabled
        ? { clipNorm: exampleLevel.clipNorm, noiseMultiplier: exampleLevel.noiseMultiplier, delta }
        : null,
    },
    privacy: effect.privacy && {
      ...effect.privacy,
      noiseMultiplier: dp.noiseMultiplier,
      sampleRate: dp.sampleRate,
      delta: dp.delta,
      epsilonAfterRound: effect.epsilonAfter ?? 0,
      epsilonBudget: dp.epsilonBudget,
    },
    encryption,
  }
}

/** The event log's line for a started round. */
export function roundStartNote(effect: Started, message: RoundStartMessage, sampleRate: number): string {
  const { encryption, privacy } = message
  const he = encryption
    ? ` (encrypted: ${encryption.preset}, key ${encryption.keyId}${encryption.fractionBits ? `, ${encryption.fractionBits} fraction bits` : ''})`
    : ''
  const dp = privacy
    ? ` (DP ${privacy.mode}: Poisson q=${sampleRate}, epsilon after it ${privacy.epsilonAfterRound.toFixed(3)})`
    : ''
  return `round ${effect.round} started with ${effect.selected.length} clients${dp}${he}`
}
