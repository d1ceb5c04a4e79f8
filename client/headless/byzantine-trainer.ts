import { DataHandler, type Row, type Table } from '../../shared/data/data-handler'
import type { Partition, TaskInfo } from '../../shared/protocol'
import { type RandomSource, standardNormal } from '../../shared/random'
import type { ColumnSchema, TaskSchema } from '../../shared/tasks/schema'
import type { CsvReport } from '../data/csv/csv-report'
import type {
  CsvChoices,
  EvaluationResult,
  HeldOutRow,
  PreparedData,
  TrainerPort,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from '../training/trainer-port'

/**
 * Attacks a malicious participant can mount, for people evaluating defences (Fang et al. 2020; Bagdasaryan et al.
 * 2020). Update attacks change what leaves the trainer; data attacks change the rows it trains on.
 */
export const ATTACKS = ['scale', 'sign-flip', 'noise', 'examples', 'label-flip', 'backdoor'] as const
export type Attack = (typeof ATTACKS)[number]

/** `scale`: the honest update times this. */
export const SCALE_FACTOR = 1e6
/** `sign-flip`: the honest update times this. */
export const SIGN_FLIP_FACTOR = -10
/** `noise`: a Gaussian update whose L2 norm is this multiple of the honest update's. */
export const NOISE_NORM_MULTIPLE = 100
/** `examples`: the training examples declared, when joining and with every update (the protocol's maximum). */
export const DECLARED_EXAMPLES = 1e9

/** The backdoor: the trigger (the first two features at their largest value) and the class it maps to. */
export interface BackdoorSettings {
  /** Share of the attacker's rows that carry the trigger and are relabelled to the target class. */
  readonly share: number
  /** Index of the target class in the schema's classes. */
  readonly targetClass: number
  /**
   * The trained update times this (model replacement, Bagdasaryan et al. 2020: about the number of participants,
   * so the backdoored model survives averaging); 1 is plain data poisoning.
   */
  readonly boost: number
}

export const DEFAULT_BACKDOOR: BackdoorSettings = { share: 0.5, targetClass: 0, boost: 1 }

/** The columns the trigger sets: the schema's first two features. */
const TRIGGER_FEATURES = 2

const l2 = (v: Float32Array): number => {
  let s = 0
  for (const x of v) s += x * x
  return Math.sqrt(s)
}

/**
 * What an update attack sends instead of the honest `delta` (a new array; `delta` is left as it was): `scale` and
 * `sign-flip` multiply it, `noise` replaces it with Gaussian noise of 100 times its norm drawn from `random`,
 * `backdoor` multiplies it by its `boost`; the other attacks send it unchanged.
 */
export function attackDelta(
  attack: Attack,
  delta: Float32Array,
  random: RandomSource,
  boost = DEFAULT_BACKDOOR.boost,
): Float32Array {
  switch (attack) {
    case 'scale':
      return delta.map((x) => x * SCALE_FACTOR)
    case 'sign-flip':
      return delta.map((x) => x * SIGN_FLIP_FACTOR)
    case 'backdoor':
      return boost === 1 ? delta.slice() : delta.map((x) => x * boost)
    case 'noise': {
      const noise = new Float32Array(delta.length)
      for (let i = 0; i < noise.length; i++) noise[i] = standardNormal(random)
      const norm = l2(noise)
      const target = NOISE_NORM_MULTIPLE * l2(delta)
      if (norm === 0 || target === 0) return new Float32Array(delta.length)
      return noise.map((x) => (x * target) / norm)
    }
    default:
      return delta.slice()
  }
}

/** The largest value a feature takes: the top of a numeric range, yes, the last category. */
function largest(column: ColumnSchema): number | string {
  switch (column.type) {
    case 'numeric':
    case 'integer':
      return column.max
    case 'boolean':
      return 'yes'
    default:
      return column.categories.at(-1)!
  }
}

/** A copy of `row` carrying the backdoor trigger: the schema's first two features set to their largest value. */
export function withTrigger(row: Row, schema: TaskSchema): Row {
  const out: Row = { ...row }
  for (const column of schema.features.slice(0, TRIGGER_FEATURES)) out[column.name] = largest(column)
  return out
}

/** The rows with every label moved to the next class (a derangement: no row keeps its true label). */
export function flipLabels(rows: readonly Row[], schema: TaskSchema): Row[] {
  const { name, classes } = schema.label
  return rows.map((row) => {
    const i = classes.indexOf(String(row[name]))
    return i < 0 ? { ...row } : { ...row, [name]: classes[(i + 1) % classes.length]! }
  })
}

/**
 * The rows with a backdoor planted: a `share` of them, drawn with `random`, carry the trigger and the target label;
 * the rest are left as they were, so the model stays good on clean rows.
 */
export function plantBackdoor(
  rows: readonly Row[],
  schema: TaskSchema,
  settings: BackdoorSettings,
  random: RandomSource,
): Row[] {
  const target = schema.label.classes[settings.targetClass]
  if (target === undefined) throw new Error(`backdoor: no class ${settings.targetClass} in the schema`)
  return rows.map((row) =>
    random() < settings.share ? { ...withTrigger(row, schema), [schema.label.name]: target } : { ...row },
  )
}

/**
 * Held-out rows to measure a backdoor with: those whose true class is not the target, with the trigger and labelled
 * as the target, so a model's accuracy on them is the attack's success rate.
 */
export function backdoorTestRows(
  rows: readonly Row[],
  schema: TaskSchema,
  settings: BackdoorSettings,
): Row[] {
  const target = schema.label.classes[settings.targetClass]!
  return rows
    .filter((row) => row[schema.label.name] !== target)
    .map((row) => ({ ...withTrigger(row, schema), [schema.label.name]: target }))
}

/** The CSV a data attack trains on (comma-separated, header first); other attacks train on the text as it is. */
export function poisonCsv(
  attack: Attack,
  text: string,
  schema: TaskSchema,
  random: RandomSource,
  backdoor: BackdoorSettings = DEFAULT_BACKDOOR,
): string {
  if (attack !== 'label-flip' && attack !== 'backdoor') return text
  const table: Table = DataHandler.fromCsv('attacker', text, schema)
  const rows =
    attack === 'label-flip'
      ? flipLabels(table.rows, schema)
      : plantBackdoor(table.rows, schema, backdoor, random)
  return DataHandler.toCsv({ schema, rows })
}

export interface ByzantineSettings {
  readonly attack: Attack
  /** Randomness of the attack (noise, the rows a backdoor poisons); seeded in simulations. */
  readonly random: RandomSource
  readonly backdoor?: BackdoorSettings
}

/**
 * A malicious participant's trainer: wraps an honest `TrainerPort`, so the real session, signatures and sockets carry
 * the attack. Data attacks (`label-flip`, `backdoor`) rewrite the CSV it loads; update attacks (`scale`,
 * `sign-flip`, `noise`) rewrite each trained delta; `examples` declares 1e9 training examples when joining and with
 * every update. Everything else (evaluation, held-out rows, statistics) is the honest trainer's.
 */
export class ByzantineTrainer implements TrainerPort {
  #csvLoaded = false

  constructor(
    private readonly inner: TrainerPort,
    private readonly settings: ByzantineSettings,
  ) {}

  get backend(): string {
    return this.inner.backend
  }

  async loadCsv(
    source: Blob | string,
    fileName: string,
    schema: TaskSchema,
    choices: CsvChoices,
    onProgress: (fraction: number) => void,
  ): Promise<CsvReport> {
    const { attack, random, backdoor } = this.settings
    if (attack !== 'label-flip' && attack !== 'backdoor')
      return this.inner.loadCsv(source, fileName, schema, choices, onProgress)
    const text = typeof source === 'string' ? source : await source.text()
    this.#csvLoaded = true
    // The rewritten CSV is comma-separated with '.' decimals: the reading choices no longer apply.
    const poisoned = poisonCsv(attack, text, schema, random, backdoor)
    return this.inner.loadCsv(
      poisoned,
      fileName,
      schema,
      { ...choices, delimiter: ',', decimal: '.' },
      onProgress,
    )
  }

  async prepare(task: TaskInfo, partition: Partition): Promise<PreparedData> {
    const { attack } = this.settings
    if ((attack === 'label-flip' || attack === 'backdoor') && !this.#csvLoaded)
      throw new Error(`the ${attack} attack poisons a CSV's rows: load one first (a CSV task)`)
    const data = await this.inner.prepare(task, partition)
    return attack === 'examples' ? { ...data, trainExamples: DECLARED_EXAMPLES } : data
  }

  async train(
    request: TrainRequest,
    onProgress: (progress: TrainProgress) => void,
    signal: AbortSignal,
  ): Promise<TrainResult> {
    const { attack, random, backdoor } = this.settings
    const result = await this.inner.train(request, onProgress, signal)
    return {
      ...result,
      delta: attackDelta(attack, result.delta, random, backdoor?.boost),
      examples: attack === 'examples' ? DECLARED_EXAMPLES : result.examples,
    }
  }

  evaluate(weights: Float32Array): Promise<EvaluationResult> {
    return this.inner.evaluate(weights)
  }

  heldOutRow(index: number): Promise<HeldOutRow | null> {
    return this.inner.heldOutRow(index)
  }

  columnStatistics(epsilon: number): ReturnType<TrainerPort['columnStatistics']> {
    return this.inner.columnStatistics(epsilon)
  }

  dispose(): void {
    this.inner.dispose()
  }
}
