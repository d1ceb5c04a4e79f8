import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Coordinator, startCoordinator } from '../coordinator/server'
import type { KeyPair } from '../shared/chain/keys'
import { DataHandler, type Table } from '../shared/data/data-handler'
import { GENERATORS } from '../shared/data/generators'
import { parameterCount } from '../shared/model/spec'
import type { TaskInfo } from '../shared/protocol'
import {
  defaultRobustnessConfig,
  defaultTrainingConfig,
  type TrainingConfigPatch,
} from '../shared/rounds/config'
import { csvTask } from '../shared/tasks/csv-task'
import {
  type AttackSummary,
  attackerWrapper,
  backdoorDescription,
  backdoorSuccess,
  chainVerdictCounts,
  verdictCounts,
} from './attack'
import { type HeldOutScore, scoreOnHeldOut, trainCentrally } from './centralized'
import { startClients } from './clients'
import type { RunOptions } from './options'

export interface RoundLine {
  readonly round: number
  readonly participants: number
  readonly examples: number
  /** Federation-wide scores of the round's model on the tabs' own held-out rows. */
  readonly loss: number | null
  readonly accuracy: number | null
  readonly f1: number | null
  readonly epsilon: number | null
  readonly bytesUp: number
  readonly durationMs: number | null
  /** Updates counted and left out by the round's aggregation (from its per-update verdicts; absent without them). */
  readonly accepted?: number
  readonly rejected?: number
  /** Of the accepted, those scaled down to the round's norm bound. */
  readonly clipped?: number
}

export interface FederatedSummary {
  readonly data: {
    readonly name: string
    readonly rows: number
    readonly features: number
    readonly testRows: number
    readonly alpha: number | 'iid'
    readonly clients: readonly { readonly rows: number; readonly positiveShare: number }[]
  }
  readonly model: string
  readonly rounds: readonly RoundLine[]
  readonly final: {
    readonly federated: HeldOutScore | null
    /** Null when the run was asked to skip the centralized baseline (benches). */
    readonly centralized: HeldOutScore | null
    readonly majority: number
  }
  readonly centralizedRounds: readonly HeldOutScore[]
  /** The global model after each round, scored on the same held-out split as the centralized baseline. */
  readonly federatedRounds: readonly (HeldOutScore | null)[]
  /** Client level: the released models' epsilon; example level: the largest of the clients' row-level epsilons. */
  readonly privacy: {
    readonly level: 'client' | 'example'
    readonly epsilon: number
    readonly delta: number
    readonly budget: number
  } | null
  readonly encryption: string | null
  /** The aggregation rule the coordinator's settings name. */
  readonly aggregator: string
  /** Malicious clients in the run (0 without --byzantine). */
  readonly byzantine: number
  readonly attack: AttackSummary | null
  readonly bytesSent: number
  readonly timings: { readonly federatedMs: number; readonly centralizedMs: number }
  readonly chain: { readonly height: number; readonly verified: boolean; readonly dataDir: string }
}

/** Learning rate of federated and centralized training in a run (Adam). */
export const RUN_LEARNING_RATE = 0.02

/** The data of a run: the person's CSV (schema inferred from it) or the built-in diabetes-risk generator. */
export function runData(options: RunOptions): Table {
  if (options.csv) {
    const path = resolve(options.csv.file)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      throw new Error(
        `--csv ${options.csv.file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`,
      )
    }
    const schema = DataHandler.inferSchema(text, options.csv.label)
    const table = DataHandler.fromCsv(options.csv.file, text, schema)
    if (table.rows.length < 20 * options.clients) {
      throw new Error(
        `--csv ${options.csv.file}: ${table.rows.length} usable rows; need at least ${20 * options.clients} for ${options.clients} clients`,
      )
    }
    return table
  }
  return DataHandler.generate(GENERATORS.medical, Math.max(1200, 300 * options.clients), options.seed)
}

/** The training settings of a run, as the coordinator page would set them. */
export function runConfig(options: RunOptions): TrainingConfigPatch {
  return {
    rounds: options.rounds,
    minClients: options.clients,
    localEpochs: options.localEpochs,
    learningRate: RUN_LEARNING_RATE,
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

async function waitUntil(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Federated training end to end: the data is split across the clients (non-IID by default), each client trains on
 * its part only, the coordinator aggregates (with DP and encryption when asked) and records every round on its
 * chain; the final model is scored on a held-out split and compared with the same model trained centrally.
 */
export async function runFederated(
  options: RunOptions,
  progress: (line: string) => void,
  existing?: {
    readonly coordinator: Coordinator
    readonly task?: TaskInfo
    readonly table?: Table
    /** The clients' account (a bought training task admits only its provider's). */
    readonly keys?: KeyPair
  },
  /** centralized: false skips the centralized baseline (final.centralized is then null). */
  extras: { readonly centralized?: boolean } = {},
): Promise<FederatedSummary> {
  const table = existing?.table ?? runData(options)
  const { train, test } = DataHandler.holdOut(table, 0.2, options.seed)
  const parts = DataHandler.split(train, options.clients, options.alpha, options.seed + 1)
  const taskId = existing?.task?.id ?? 'privx-run'
  const task =
    existing?.task ??
    csvTask(taskId, {
      name: table.name,
      description: `privx run: ${options.clients} clients, ${options.rounds} rounds`,
      schema: table.schema,
      model: { kind: 'mlp', hidden: [16, 8] },
    })
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'privx-chain-'))
  const coordinator =
    existing?.coordinator ??
    (await startCoordinator({
      port: 0,
      staticDir: options.browser ? resolve('dist') : null,
      dataDir,
      seed: options.seed,
      tasks: [task],
      config: { ...defaultTrainingConfig, ...runConfig(options) },
    }))
  const entry = coordinator.tasks.get(taskId)
  if (!entry) throw new Error(`no task ${taskId} on the coordinator`)
  const federation = entry.federation
  const positive = table.schema.label.classes.at(-1)!
  progress(
    `data: ${table.name}, ${table.rows.length} rows (${test.rows.length} held out), split over ${options.clients} clients ${Number.isFinite(options.alpha) ? `non-IID (Dirichlet alpha ${options.alpha})` : 'IID'}`,
  )
  const clients = await startClients(
    coordinator.url,
    taskId,
    parts.map((p, i) => ({ name: `client-${i + 1}`, csv: DataHandler.toCsv(p) })),
    {
      browser: options.browser,
      ...(existing?.keys ? { keys: existing.keys } : {}),
      ...(options.byzantine ? { wrap: (index: number) => attackerWrapper(options, index) } : {}),
    },
  )
  if (options.byzantine) {
    progress(
      `attack: ${options.byzantine.count} of ${options.clients} clients malicious (${options.byzantine.attack}); aggregator ${federation.state.config.robustness.aggregator}`,
    )
  }
  const started = Date.now()
  try {
    const holders = () => (options.encryption ? federation.custody.holders : options.clients)
    await waitUntil(
      () =>
        [...federation.state.clients.values()].filter((c) => c.ready).length >= options.clients &&
        holders() >= options.clients,
      `${options.clients} clients to join`,
      120_000,
    )
    // A bought training task is started by the market when it is created.
    if (!federation.state.running) {
      const startedTraining = federation.control('start')
      if (!startedTraining.ok) throw new Error(`cannot start training: ${startedTraining.error.message}`)
    }
    let reported = 0
    const snapshots: (Float32Array | null)[] = []
    await waitUntil(
      () => {
        const done = federation.state.completedRounds
        while (reported < done) {
          reported++
          snapshots.push(federation.modelInClear ? federation.global.weights.slice() : clients.model())
          const r = federation.history[reported]
          progress(
            `round ${reported}/${options.rounds}: ${r?.participants ?? 0} clients, ${r?.examples ?? 0} examples${r?.epsilon ? `, epsilon ${r.epsilon.toFixed(3)}` : ''}`,
          )
        }
        return done >= options.rounds || (!federation.state.running && !federation.state.round)
      },
      'the rounds to finish',
      options.rounds * 180_000,
    )
    const last = federation.state.completedRounds
    await waitUntil(
      () => (federation.history[last]?.evaluation?.reports ?? 0) >= options.clients,
      'the final evaluations',
      60_000,
    ).catch(() => {})
    const federatedMs = Date.now() - started
    const weights = federation.modelInClear ? federation.global.weights : clients.model()
    const testCsv = DataHandler.toCsv(test)
    const federated = weights ? await scoreOnHeldOut(task, testCsv, weights) : null
    const federatedRounds: (HeldOutScore | null)[] = []
    for (const w of snapshots) federatedRounds.push(w ? await scoreOnHeldOut(task, testCsv, w) : null)
    const attack: AttackSummary | null = options.byzantine
      ? {
          attack: options.byzantine.attack,
          clients: parts.slice(0, options.byzantine.count).map((_, i) => `client-${i + 1}`),
          backdoor:
            options.byzantine.attack === 'backdoor'
              ? {
                  ...backdoorDescription(table.schema),
                  ...(weights ? await backdoorSuccess(task, test, weights) : { successRate: null, rows: 0 }),
                }
              : null,
        }
      : null
    const centralStart = Date.now()
    const central =
      extras.centralized === false
        ? null
        : await trainCentrally(
            task,
            DataHandler.toCsv({ schema: train.schema, rows: parts.flatMap((p) => p.rows) }),
            testCsv,
            {
              rounds: options.rounds,
              localEpochs: options.localEpochs,
              batchSize: defaultTrainingConfig.batchSize,
              learningRate: RUN_LEARNING_RATE,
              optimizer: defaultTrainingConfig.optimizer,
            },
            options.seed,
          )
    const centralizedMs = Date.now() - centralStart
    const counts = table.schema.label.classes.map(
      (c) => test.rows.filter((r) => r[table.schema.label.name] === c).length,
    )
    const parameters = parameterCount(task.model)
    // Per-update verdicts: from the round's record where it keeps them, else from its block on the chain.
    const chainVerdicts = chainVerdictCounts(coordinator.chain.blocks, taskId)
    const rounds: RoundLine[] = federation.history.slice(1).map((r) => ({
      round: r.round,
      participants: r.participants,
      examples: r.examples,
      loss: r.evaluation?.loss ?? null,
      accuracy: r.evaluation?.accuracy ?? null,
      f1: r.evaluation?.f1 ?? null,
      epsilon: r.epsilon,
      bytesUp: r.encryption ? r.encryption.bytesIn : r.participants * parameters * 4,
      durationMs: r.durationMs,
      ...(verdictCounts(r) ?? chainVerdicts.get(r.round)),
    }))
    const verified = coordinator.chain.verify()
    return {
      data: {
        name: table.name,
        rows: table.rows.length,
        features: table.schema.features.length,
        testRows: test.rows.length,
        alpha: Number.isFinite(options.alpha) ? options.alpha : 'iid',
        clients: parts.map((p) => ({
          rows: p.rows.length,
          positiveShare:
            p.rows.filter((r) => r[table.schema.label.name] === positive).length / Math.max(1, p.rows.length),
        })),
      },
      model:
        task.model.kind === 'mlp'
          ? `MLP ${task.model.inputs}-${task.model.hidden.join('-')}`
          : `logistic ${task.model.inputs}`,
      rounds,
      final: {
        federated,
        centralized: central?.perRound.at(-1) ?? null,
        majority: Math.max(...counts) / Math.max(1, test.rows.length),
      },
      centralizedRounds: central?.perRound ?? [],
      federatedRounds,
      privacy: options.privacy
        ? {
            level: options.privacy.level,
            epsilon:
              options.privacy.level === 'example'
                ? Math.max(0, ...federation.snapshot(false).clients.map((c) => c.exampleEpsilon ?? 0))
                : federation.epsilonSpent(),
            delta: options.privacy.delta,
            budget: options.privacy.epsilon,
          }
        : null,
      encryption: options.encryption,
      aggregator: federation.state.config.robustness.aggregator,
      byzantine: options.byzantine?.count ?? 0,
      attack,
      bytesSent: rounds.reduce((s, r) => s + r.bytesUp, 0),
      timings: { federatedMs, centralizedMs },
      chain: { height: coordinator.chain.blocks.length, verified: verified.ok, dataDir },
    }
  } finally {
    await clients.close()
    if (!existing) await coordinator.close()
  }
}
