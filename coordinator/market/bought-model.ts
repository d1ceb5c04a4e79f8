import { type ChainState, marketOf, type TrainingRound } from '../../shared/chain/state'
import { encodeFloat32 } from '../../shared/codec'
import { chainModelRecord, modelQuality } from '../../shared/market/bought-model'
import type { Purchase } from '../../shared/market/types'
import { weightsDigest } from '../../shared/model/version'
import type {
  HeldModel,
  PurchasedModel,
  TrainingProgress,
  TrainingSettings,
} from '../../shared/protocol/market'
import { fail, ok, type Result } from '../../shared/result'
import type { TaskEntry } from '../task-registry'

/** Digests of the weights served, by array: a model is hashed once however often it is asked for. */
const digests = new WeakMap<Float32Array, string>()

function digestOf(weights: Float32Array): string {
  const known = digests.get(weights)
  if (known) return known
  const digest = weightsDigest(weights)
  digests.set(weights, digest)
  return digest
}

const recordsOf = (state: ChainState, taskId: string): TrainingRound[] => state.rounds.forTask(taskId)

function settingsOf(entry: TaskEntry, records: readonly TrainingRound[]): TrainingSettings {
  const config = entry.federation.state.config
  return {
    rounds: config.rounds,
    localEpochs: config.localEpochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    optimizer: config.optimizer,
    privacy: config.privacy.mode,
    encryption: config.encryption.mode,
    examplesPerRound: records.map((r) => r.participants.reduce((s, p) => s + p.examples, 0)),
  }
}

/** The model the task's federation holds in the clear, with its chain record and pooled evaluation. */
function heldModel(entry: TaskEntry, records: readonly TrainingRound[]): HeldModel | null {
  const federation = entry.federation
  if (!federation.modelInClear) return null
  const global = federation.global
  const modelHash = digestOf(global.weights)
  const record = records.findLast((r) => !r.homomorphic && r.modelAfter === modelHash)
  const evaluation = federation.history.find((r) => r.version === global.version)?.evaluation
  return {
    round: global.round,
    version: global.version,
    modelHash,
    recorded: record ? chainModelRecord(record) : null,
    quality: modelQuality(evaluation),
  }
}

/**
 * Where a training purchase stands: rounds recorded on the chain of rounds bought (the task's setting, or the
 * listing's where the task is not here), settled or not, the latest record, the model held now. Undefined for a
 * copy purchase.
 */
export function trainingProgress(
  state: ChainState,
  purchase: Purchase,
  entry: TaskEntry | undefined,
): TrainingProgress | undefined {
  if (purchase.kind !== 'training') return undefined
  const taskId = purchase.taskId ?? ''
  const records = taskId ? recordsOf(state, taskId) : []
  const listing = marketOf(state).datasets[purchase.datasetId]
  const last = records.at(-1)
  return {
    taskId,
    roundsDone: records.length,
    roundsBought: entry?.federation.state.config.rounds ?? Math.max(1, listing?.trainingRounds ?? 1),
    finished: purchase.status === 'completed',
    latest: last ? chainModelRecord(last) : null,
    model: entry ? heldModel(entry, records) : null,
    settings: entry ? settingsOf(entry, records) : null,
  }
}

/**
 * The model of a training purchase for its (proven) buyer: a `snapshot` while training continues, `final` once the
 * purchase is settled, with its round, hash, chain record, quality and the provider's settings.
 */
export function purchasedModel(
  state: ChainState,
  purchase: Purchase,
  entry: TaskEntry | undefined,
): Result<PurchasedModel> {
  if (!entry)
    return fail('invalid-state', `${purchase.purchaseId} has no training task (it is ${purchase.status})`)
  const progress = trainingProgress(state, purchase, entry)!
  const latest = progress.latest
  if (!progress.model) {
    const sum =
      latest?.hashOf === 'encrypted-sum'
        ? `; the chain records the hash of the encrypted sum, ${latest.modelAfter.slice(0, 12)}…`
        : ''
    return fail('invalid-state', `the task trained under encryption: the tabs hold the model${sum}`)
  }
  return ok({
    ...progress.model,
    purchaseId: purchase.purchaseId,
    taskId: entry.task.id,
    stage: progress.finished ? 'final' : 'snapshot',
    roundsDone: progress.roundsDone,
    roundsBought: progress.roundsBought,
    settings: progress.settings!,
    model: entry.task.model,
    features: entry.task.features,
    classNames: entry.task.classNames,
    weights: encodeFloat32(entry.federation.global.weights),
  })
}
