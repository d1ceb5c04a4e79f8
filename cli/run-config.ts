import {
  defaultRobustnessConfig,
  defaultTrainingConfig,
  type TrainingConfigPatch,
} from '../shared/rounds/config'
import { RUN_DEFAULTS, type RunOptions } from './options'

/** Learning rate of federated and centralized training in a run unless --lr says otherwise (Adam). */
export const RUN_LEARNING_RATE = RUN_DEFAULTS.learningRate

/** The training settings of a run, as the coordinator page would set them. */
export function runConfig(options: RunOptions): TrainingConfigPatch {
  return {
    rounds: options.rounds,
    minClients: options.clients,
    localEpochs: options.localEpochs,
    learningRate: options.learningRate,
    batchSize: options.batchSize,
    optimizer: options.optimizer,
    quorumFraction: 1,
    roundDeadlineMs: 120_000,
    ...(options.privacy?.level === 'example'
      ? {
          privacy: {
            ...defaultTrainingConfig.privacy,
            exampleLevel: {
              enabled: true,
              clipNorm: options.privacy.clip,
              noiseMultiplier: options.privacy.noise,
            },
            delta: options.privacy.delta,
            epsilonBudget: options.privacy.epsilon,
          },
        }
      : options.privacy
        ? {
            privacy: {
              ...defaultTrainingConfig.privacy,
              // With encryption the coordinator only sees the sum, so each client adds its share of the noise.
              mode: options.encryption ? 'distributed' : 'local',
              clipNorm: options.privacy.clip,
              noiseMultiplier: options.privacy.noise,
              sampleRate: 1,
              delta: options.privacy.delta,
              epsilonBudget: options.privacy.epsilon,
            },
          }
        : {}),
    ...(options.encryption ? { encryption: { mode: options.encryption, clamp: 4 } } : {}),
    // Krum's f is told how many attack, as in the papers' evaluations.
    ...(options.aggregator || options.byzantine
      ? {
          robustness: {
            ...defaultRobustnessConfig,
            ...(options.aggregator ? { aggregator: options.aggregator } : {}),
            ...(options.byzantine ? { byzantine: options.byzantine.count } : {}),
          },
        }
      : {}),
  }
}
