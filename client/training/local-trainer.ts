import * as tf from '@tensorflow/tfjs'
import {
  type ConfusionMatrix,
  classificationMetrics,
  scorePredictions,
} from '../../shared/metrics/classification'
import type { ModelSpec } from '../../shared/model/spec'
import { privatizeUpdate } from '../../shared/privacy/clipping'
import type { ColumnStatisticsReport, Partition, TaskInfo } from '../../shared/protocol'
import { type RandomSource, sampleWithoutReplacement, seededRandom } from '../../shared/random'
import type { TaskSchema } from '../../shared/tasks/schema'
import { noisedColumnStatistics } from '../data/csv/column-statistics'
import type { EncodedRows } from '../data/csv/csv-ingest'
import type { CsvReport } from '../data/csv/csv-report'
import { readCsv } from '../data/csv/read-csv'
import { classBalance, type Dataset, type Split } from '../data/dataset'
import { generateDiabetesPartition } from '../data/diabetes-demo'
import { splitRows } from '../data/split'
import { trainDpSgd } from './dp-sgd'
import { engineQueue } from './serial-queue'
import { buildModel, readWeights, writeWeights } from './tfjs-model'
import type {
  CsvChoices,
  EvaluationResult,
  HeldOutRow,
  PreparedData,
  TrainerPort,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from './trainer-port'

const VALIDATION_SHARE = 0.2

/** Rows a CSV left here, with the schema they were read with and the file's report. */
export type LoadedCsv = {
  readonly schema: TaskSchema
  readonly rows: EncodedRows
  readonly report: CsvReport
}

/** A 32-bit FNV-1a hash of the rows' bytes: a seed that depends on the data only (not private: it stays here). */
function contentSeed(x: Float32Array, y: Int32Array): number {
  let hash = 0x811c9dc5
  for (const array of [x, y]) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193)
  }
  return hash >>> 0
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('training aborted', 'AbortError')
}

/** Local training and evaluation with tfjs on whatever backend is active in this thread. */
export class LocalTrainer implements TrainerPort {
  #spec: ModelSpec | null = null
  #model: tf.Sequential | null = null
  #data: Dataset | null = null
  #csv: LoadedCsv | null = null
  /** The order rows are visited in, per epoch: seeded from the partition (not private: the rows stay here). */
  #shuffle: RandomSource = seededRandom(0)
  #rowIndices: number[] = []

  constructor(
    readonly backend: string,
    /**
     * Share of a CSV's rows kept out of training to score models (0.2 in tabs). The command line's centralized
     * baseline trains on all rows (0) and scores on a held-out file (1).
     */
    private readonly heldOutShare = VALIDATION_SHARE,
  ) {}

  async loadCsv(
    source: Blob | string,
    fileName: string,
    schema: TaskSchema,
    choices: CsvChoices,
    onProgress: (fraction: number) => void,
  ): Promise<CsvReport> {
    const { report, rows } = await readCsv(source, fileName, schema, { ...choices, onProgress })
    if (rows) this.#csv = { schema, rows, report }
    return report
  }

  /** The rows the last usable CSV left here (to save them locally, with consent). */
  get loadedCsv(): LoadedCsv | null {
    return this.#csv
  }

  /** Uses rows read earlier (restored from this browser's storage) as if their file had just been loaded. */
  useLoadedCsv(csv: LoadedCsv): void {
    this.#csv = csv
  }

  async prepare(task: TaskInfo, partition: Partition): Promise<PreparedData> {
    const data = this.#taskData(task, partition)
    if (data.features !== task.model.inputs) {
      throw new Error(`data has ${data.features} features, the model expects ${task.model.inputs}`)
    }
    this.#shuffle = seededRandom(contentSeed(data.train.x, data.train.y))
    this.#rowIndices = Array.from({ length: data.train.count }, (_, i) => i)
    this.#model?.dispose()
    this.#spec = task.model
    this.#model = buildModel(task.model)
    this.#data = data
    return {
      trainExamples: data.train.count,
      testExamples: data.test.count,
      classBalance: classBalance(data.train.y, data.classes),
    }
  }

  train(
    request: TrainRequest,
    onProgress: (p: TrainProgress) => void,
    signal: AbortSignal,
  ): Promise<TrainResult> {
    return engineQueue.run(() => this.#train(request, onProgress, signal))
  }

  async #train(
    request: TrainRequest,
    onProgress: (p: TrainProgress) => void,
    signal: AbortSignal,
  ): Promise<TrainResult> {
    const { model, spec, data } = this.#ready()
    if (signal.aborted) throw abortError(signal)
    const started = performance.now()
    const { epochs, batchSize, learningRate, optimizer } = request.settings
    writeWeights(model, spec, request.weights)
    model.compile({
      optimizer: optimizer === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate),
      loss: spec.classes === 2 ? 'binaryCrossentropy' : 'categoricalCrossentropy',
      metrics: ['accuracy'],
    })
    if (request.settings.dpSgd) return this.#trainPrivately(request, onProgress, signal, started)
    const batchesPerEpoch = Math.ceil(data.train.count / batchSize)
    const [xs, ys] = toTensors(data.train, data.features, data.classes)
    try {
      let history: tf.History | null = null
      // One fit per epoch over rows in this trainer's seeded order (tfjs' own shuffle cannot be seeded), so
      // the same seed and partition train the same way every run.
      for (let epoch = 0; epoch < epochs && !signal.aborted; epoch++) {
        const order = tf.tensor1d(
          sampleWithoutReplacement(this.#rowIndices, Infinity, this.#shuffle),
          'int32',
        )
        const [xe, ye] = [tf.gather(xs, order), tf.gather(ys, order)]
        try {
          history = await model.fit(xe, ye, {
            epochs: 1,
            batchSize,
            shuffle: false,
            verbose: 0,
            callbacks: {
              onBatchEnd: async (batch, logs) => {
                if (signal.aborted) model.stopTraining = true
                onProgress({
                  fraction: (epoch * batchesPerEpoch + batch + 1) / (epochs * batchesPerEpoch),
                  epoch,
                  loss: logs?.['loss'],
                })
              },
            },
          })
        } finally {
          tf.dispose([order, xe, ye])
        }
      }
      if (signal.aborted || !history) throw abortError(signal)
      const fitted = history
      const last = (key: string): number => {
        const values = fitted.history[key] ?? []
        return Number(values[values.length - 1] ?? Number.NaN)
      }
      return await this.#result(
        request,
        data.train.count,
        { loss: last('loss'), accuracy: last('acc') },
        started,
      )
    } finally {
      xs.dispose()
      ys.dispose()
    }
  }

  /** Example-level DP-SGD instead of model.fit; metrics are measured on the training split afterwards. */
  async #trainPrivately(
    request: TrainRequest,
    onProgress: (p: TrainProgress) => void,
    signal: AbortSignal,
    started: number,
  ): Promise<TrainResult> {
    const { model, data } = this.#ready()
    const { epochs, batchSize, learningRate, optimizer, dpSgd } = request.settings
    const opt = optimizer === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate)
    try {
      await trainDpSgd(
        model,
        data,
        { epochs, batchSize, clipNorm: dpSgd!.clipNorm, noiseMultiplier: dpSgd!.noiseMultiplier },
        opt,
        onProgress,
        signal,
      )
    } finally {
      opt.dispose()
    }
    const fit = await this.#score(data.train)
    return this.#result(
      request,
      data.train.count,
      {
        loss: fit.lossSum / Math.max(1, data.train.count),
        accuracy: classificationMetrics(fit.confusion).accuracy,
      },
      started,
    )
  }

  /** The delta from the starting weights, DP-clipped and noised in this worker when the request asks. */
  async #result(
    request: TrainRequest,
    examples: number,
    metrics: { loss: number; accuracy: number },
    started: number,
  ): Promise<TrainResult> {
    const { model } = this.#ready()
    const local = await readWeights(model)
    const raw = new Float32Array(local.length)
    for (let i = 0; i < local.length; i++) raw[i] = local[i]! - request.weights[i]!
    // DP happens here, in the worker: the unclipped, noiseless delta never leaves it.
    const dp = request.privacy ? privatizeUpdate(raw, request.privacy) : null
    return {
      delta: dp ? dp.update : raw,
      ...(dp ? { clip: { norm: dp.norm, clipped: dp.clipped } } : {}),
      examples,
      metrics,
      durationMs: performance.now() - started,
    }
  }

  async #score(split: Split): Promise<{ confusion: ConfusionMatrix; lossSum: number }> {
    const { model, data } = this.#ready()
    const xs = tf.tensor2d(split.x, [split.count, data.features])
    const output = model.predict(xs, { batchSize: 1024 }) as tf.Tensor
    try {
      return scorePredictions((await output.data()) as Float32Array, split.y, data.classes)
    } finally {
      xs.dispose()
      output.dispose()
    }
  }

  async columnStatistics(epsilon: number): Promise<ColumnStatisticsReport['columns']> {
    if (!this.#csv) throw new Error('no CSV rows here to describe')
    return noisedColumnStatistics(this.#csv.rows, this.#csv.schema, epsilon)
  }

  async heldOutRow(index: number): Promise<HeldOutRow | null> {
    const { data } = this.#ready()
    const { test } = data
    if (test.count === 0) return null
    const i = ((index % test.count) + test.count) % test.count
    const features = Array.from(test.x.subarray(i * data.features, (i + 1) * data.features))
    return { index: i, count: test.count, features, label: test.y[i]! }
  }

  evaluate(weights: Float32Array): Promise<EvaluationResult> {
    return engineQueue.run(async () => {
      const { model, spec, data } = this.#ready()
      writeWeights(model, spec, weights)
      return { examples: data.test.count, ...(await this.#score(data.test)) }
    })
  }

  /** The data a task names: a generated demo partition, or the CSV rows loaded for this task's schema. */
  #taskData(task: TaskInfo, partition: Partition): Dataset {
    const source = task.dataset
    switch (source.kind) {
      case 'demo-diabetes':
        return generateDiabetesPartition(partition)
      case 'csv': {
        if (!this.#csv || JSON.stringify(this.#csv.schema) !== JSON.stringify(source.schema)) {
          throw new Error(`no CSV has been loaded for the task "${task.name}": pick a file first`)
        }
        // Seeded by the rows themselves: the same file is split the same way on every run and every reload, so
        // a returning tab never scores on rows it trained on before.
        const split = seededRandom(contentSeed(this.#csv.rows.x, this.#csv.rows.y))
        return splitRows(this.#csv.rows, source.schema.label.classes.length, this.heldOutShare, split)
      }
      default: {
        const _exhaustive: never = source
        throw new Error(`unknown dataset ${JSON.stringify(_exhaustive)}`)
      }
    }
  }

  dispose(): void {
    this.#csv = null
    this.#model?.dispose()
    this.#model = null
    this.#data = null
  }

  #ready(): { model: tf.Sequential; spec: ModelSpec; data: Dataset } {
    if (!this.#model || !this.#spec || !this.#data) throw new Error('LocalTrainer used before prepare()')
    return { model: this.#model, spec: this.#spec, data: this.#data }
  }
}

function toTensors(split: Split, features: number, classes: number): [tf.Tensor2D, tf.Tensor2D] {
  const xs = tf.tensor2d(split.x, [split.count, features])
  const ys =
    classes === 2
      ? tf.tensor2d(Float32Array.from(split.y), [split.count, 1])
      : tf.tidy(() => tf.oneHot(tf.tensor1d(split.y, 'int32'), classes).toFloat() as tf.Tensor2D)
  return [xs, ys]
}
