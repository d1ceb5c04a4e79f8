/**
 * What a buyer of training access is told about the model: its stage (snapshot or final), round and hash as the
 * chain records them, its held-out quality against the majority-class baseline, and how the provider trained it.
 * Pure: the coordinator builds the replies with it, the market page its labels and the downloaded document.
 */
import type { TrainingRound } from '../chain/state'
import type {
  ChainModelRecord,
  ModelQuality,
  PurchasedModel,
  TrainingProgress,
  TrainingSettings,
} from '../protocol/market'
import type { GlobalMetrics } from '../protocol/rounds'

/** Accuracy must exceed the majority-class rate by more than this to count as better (float noise). */
const BASELINE_MARGIN = 1e-9

/** The quality a buyer sees, from the coordinator's pooled evaluation; null while no tab has evaluated it. */
export function modelQuality(metrics: GlobalMetrics | null | undefined): ModelQuality | null {
  if (!metrics || metrics.examples === 0) return null
  return {
    examples: metrics.examples,
    reports: metrics.reports,
    accuracy: metrics.accuracy,
    precision: metrics.precision,
    recall: metrics.recall,
    f1: metrics.f1,
    majorityRate: metrics.majorityRate,
    loss: Number.isFinite(metrics.loss) ? Math.max(0, metrics.loss) : 0,
    beatsMajority: metrics.accuracy > metrics.majorityRate + BASELINE_MARGIN,
  }
}

/** A round record as the buyer is shown it: which hash it holds says `hashOf`. */
export function chainModelRecord(record: TrainingRound): ChainModelRecord {
  return {
    record: record.round,
    modelRound: record.modelRound,
    modelAfter: record.modelAfter,
    hashOf: record.homomorphic ? 'encrypted-sum' : 'weights',
  }
}

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`

/** "clinic-r3-1f2e3d4c5b6a.json"; a snapshot's name says so: "…-r1-…-snapshot.json". */
export function boughtModelFileName(
  model: Pick<PurchasedModel, 'taskId' | 'round' | 'modelHash' | 'stage'>,
): string {
  const task = model.taskId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)
  const stage = model.stage === 'final' ? '' : '-snapshot'
  return `${task}-r${model.round}-${model.modelHash.slice(0, 12)}${stage}.json`
}

/** "Training: 1 of 3 rounds done" or "Trained: 3 of 3 rounds". */
export function progressText(progress: TrainingProgress): string {
  const counted = `${progress.roundsDone} of ${progress.roundsBought} rounds`
  return progress.finished ? `Trained: ${counted}` : `Training: ${counted} done`
}

/** "Final model: round 3 of 3" or "Snapshot: round 1 of 3, training continues". */
export function stageText(model: Pick<PurchasedModel, 'stage' | 'round' | 'roundsBought'>): string {
  const of = `round ${model.round} of ${model.roundsBought}`
  if (model.stage === 'final') return `Final model: ${of}`
  const untrained = model.round === 0 ? ' (the initial, untrained model)' : ''
  return `Snapshot: ${of}${untrained}, training continues`
}

/** Where the hash is on the chain, or why it is not. */
export function recordText(recorded: ChainModelRecord | null): string {
  if (!recorded) return 'not on the chain (round 0, the initial model, has no round record)'
  const of = recorded.hashOf === 'weights' ? 'the weights' : 'the encrypted sum'
  return `chain record ${recorded.record} (model round ${recorded.modelRound}) holds this hash of ${of}`
}

/** "Held-out accuracy 71.0%, F1 0.0% (412 examples); majority-class baseline 71.0%". */
export function qualityText(quality: ModelQuality | null): string {
  if (!quality)
    return 'Held-out quality: not evaluated yet (the provider’s tab scores each model it receives)'
  return `Held-out accuracy ${percent(quality.accuracy)}, F1 ${percent(quality.f1)} (${quality.examples} examples); majority-class baseline ${percent(quality.majorityRate)}`
}

/** The flag for a model no better than always answering the most frequent class; null for one that is better. */
export function majorityWarning(quality: ModelQuality | null): string | null {
  if (!quality || quality.beatsMajority) return null
  return `No better than the majority class: accuracy ${percent(quality.accuracy)} vs ${percent(quality.majorityRate)} for always answering the most frequent class (F1 ${percent(quality.f1)}). This model has not learned to tell the classes apart.`
}

/** "2 rounds × 2 local epochs, batch 32, learning rate 0.01 (adam), privacy off, encryption off; examples per round: 120, 120". */
export function settingsText(settings: TrainingSettings): string {
  const examples = settings.examplesPerRound.length
    ? `; examples per round: ${settings.examplesPerRound.join(', ')}`
    : '; no round recorded yet'
  return `Provider's training: ${settings.rounds} rounds × ${settings.localEpochs} local epochs, batch ${settings.batchSize}, learning rate ${settings.learningRate} (${settings.optimizer}), privacy ${settings.privacy}, encryption ${settings.encryption}${examples}`
}

/** The downloaded file: the model with everything that identifies it, so the buyer can check it against the chain. */
export function boughtModelDocument(model: Omit<PurchasedModel, 'weights'>, values: Float32Array) {
  return {
    format: 'privx-bought-model/1',
    purchaseId: model.purchaseId,
    taskId: model.taskId,
    stage: model.stage,
    stageText: stageText(model),
    round: model.round,
    roundsDone: model.roundsDone,
    roundsBought: model.roundsBought,
    version: model.version,
    modelHash: model.modelHash,
    modelHashOf: 'SHA-256 of the weights as little-endian float32 bytes',
    chainRecord: model.recorded,
    quality: model.quality,
    warning: majorityWarning(model.quality),
    settings: model.settings,
    model: model.model,
    features: model.features,
    classNames: model.classNames,
    weights: Array.from(values),
  }
}
