import './quiet-tfjs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Federation } from '../coordinator/federation'
import { type Coordinator, startCoordinator } from '../coordinator/server'
import type { KeyPair } from '../shared/chain/keys'
import { DataHandler, type Table } from '../shared/data/data-handler'
import { parameterCount } from '../shared/model/spec'
import type { TaskInfo } from '../shared/protocol'
import { defaultTrainingConfig, type TrainingConfig } from '../shared/rounds/config'
import { type RoundOutcome, releasedEpsilon } from '../shared/rounds/state'
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
import type { FederatedSummary, RoundLine } from './federated-summary'
import type { RunOptions } from './options'
import { recordedModels, recordedRounds } from './round-models'
import { runConfig } from './run-config'
import { runData } from './run-data'
import { resultWarnings, stopAdvice } from './warnings'

export type { FederatedSummary, RoundLine } from './federated-summary'
export { RUN_LEARNING_RATE, runConfig } from './run-config'

async function waitUntil(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Why the run's training ended before its last round, or null while it goes on: the round machine stopped it (a
 * spent privacy budget, a round its clients declined, a refused round), or rounds of this run were abandoned three
 * times in a row, or it is no longer running (paused or reset on the coordinator). A DP round that sampled no one is no failure.
 */
/** Abandoned rounds in a row that end a run: one is retried (a deadline missed under load), three are a pattern. */
const ABANDONED_IN_A_ROW = 3

function stopReason(federation: Federation, outcomesBefore: number): string | null {
  const state = federation.state
  if (state.stopped) return state.stopped
  // Rounds abandoned one after another (a DP round that sampled no one aside): a missed deadline on a loaded machine
  // is retried, a failure that repeats ends the run.
  const failed: RoundOutcome[] = []
  for (const outcome of state.outcomes.slice(outcomesBefore)) {
    if (outcome.status === 'completed') failed.length = 0
    else if (outcome.selected > 0) failed.push(outcome)
  }
  const abandoned = failed.at(-1)
  if (abandoned && failed.length >= ABANDONED_IN_A_ROW)
    return `${failed.length} rounds in a row were abandoned, the last (round ${abandoned.round}) because ${abandoned.reason ?? 'no reason was given'}`
  if (!state.running && !state.round) return 'training was paused or reset on the coordinator'
  return null
}

/** The privacy a task's settings give its clients' data (null: none). */
function privacyOf(config: TrainingConfig): { level: 'client' | 'example'; budget: number } | null {
  const { privacy } = config
  if (privacy.exampleLevel.enabled) return { level: 'example', budget: privacy.epsilonBudget }
  return privacy.mode === 'off' ? null : { level: 'client', budget: privacy.epsilonBudget }
}

/** The held-out test split (20%, stratified) and the clients' parts of the rest, as a run makes them from `seed`. */
export function runSplit(
  table: Table,
  options: Pick<RunOptions, 'clients' | 'alpha' | 'seed'>,
): { train: Table; test: Table; parts: Table[] } {
  const { train, test } = DataHandler.holdOut(table, 0.2, options.seed)
  return { train, test, parts: DataHandler.split(train, options.clients, options.alpha, options.seed + 1) }
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
    /** Where that coordinator keeps its chain and models (to read back each round's model). */
    readonly dataDir?: string
  },
  /**
   * centralized: false skips the centralized baseline (final.centralized is then null); keepModel receives the
   * trained global model (where the coordinator holds it in the clear or a Node client does).
   */
  extras: {
    readonly centralized?: boolean
    readonly keepModel?: (task: TaskInfo, weights: Float32Array) => void
  } = {},
): Promise<FederatedSummary> {
  const data = existing?.table ? { table: existing.table, csv: null } : await runData(options)
  const table = data.table
  const { train, test, parts } = runSplit(table, options)
  const taskId = existing?.task?.id ?? 'privx-run'
  const task =
    existing?.task ??
    csvTask(taskId, {
      name: table.name,
      description: `privx run: ${options.clients} clients, ${options.rounds} rounds`,
      schema: table.schema,
      model: { kind: options.hidden.length === 0 ? 'logistic' : 'mlp', hidden: [...options.hidden] },
    })
  // The chain of a run of its own lives in a temporary directory unless --data-dir keeps it; removed at the end.
  const temporary = existing || options.dataDir ? null : mkdtempSync(join(tmpdir(), 'privx-chain-'))
  const dataDir = existing?.dataDir ?? options.dataDir ?? temporary
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
  const classes = table.schema.label.classes
  const shares = (rows: Table['rows']) =>
    classes.map((c) => rows.filter((r) => r[table.schema.label.name] === c).length / Math.max(1, rows.length))
  progress(
    `data: ${table.name}, ${table.rows.length} rows (${test.rows.length} held out), split over ${options.clients} clients ${Number.isFinite(options.alpha) ? `non-IID (Dirichlet alpha ${options.alpha})` : 'IID'}`,
  )
  const config = federation.state.config
  const modelName =
    task.model.kind === 'mlp'
      ? `MLP ${task.model.inputs}-${task.model.hidden.join('-')}`
      : `logistic regression, ${task.model.inputs} inputs`
  progress(
    `settings: ${modelName}; ${options.rounds} rounds of ${config.localEpochs} local epochs; ${config.optimizer === 'adam' ? 'Adam' : 'SGD'}, learning rate ${config.learningRate}, batch ${config.batchSize}`,
  )
  const clients = await startClients(
    coordinator.url,
    taskId,
    parts.map((p, i) => ({ name: `client-${i + 1}`, csv: DataHandler.toCsv(p) })),
    {
      browser: options.browser,
      workers: options.workers,
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
      () => {
        clients.check()
        return (
          [...federation.state.clients.values()].filter((c) => c.ready).length >= options.clients &&
          holders() >= options.clients
        )
      },
      `${options.clients} clients to join`,
      120_000,
    )
    // A bought training task is started by the market when it is created.
    if (!federation.state.running) {
      const startedTraining = federation.control('start')
      if (!startedTraining.ok) throw new Error(`cannot start training: ${startedTraining.error.message}`)
    }
    let reported = 0
    const recordedBefore = recordedRounds(coordinator, taskId)
    const outcomesBefore = federation.state.outcomes.length
    // Set when training ends before its last round: the machine stopped it, or a round was abandoned.
    let stopped: string | null = null
    // Sampled as rounds close: only for rounds whose model the chain's store lacks (encrypted ones).
    const snapshots: (Float32Array | null)[] = []
    await waitUntil(
      () => {
        clients.check()
        const done = federation.state.completedRounds
        while (reported < done) {
          reported++
          snapshots.push(federation.modelInClear ? federation.global.weights.slice() : clients.model())
          const r = federation.history[reported]
          progress(
            `round ${reported}/${options.rounds}: ${r?.participants ?? 0} clients, ${r?.examples ?? 0} examples${r?.epsilon ? `, epsilon ${r.epsilon.toFixed(3)}` : ''}`,
          )
        }
        if (done >= options.rounds) return true
        stopped = stopReason(federation, outcomesBefore)
        return stopped !== null
      },
      'the rounds to finish',
      options.rounds * 180_000,
    )
    const last = federation.state.completedRounds
    if (stopped !== null) {
      // No further round starts while the run scores what it has (a retried round would only fail again).
      if (federation.state.running) federation.control('pause')
      const advice = stopAdvice(stopped, privacyOf(federation.state.config))
      if (last === 0) throw new Error(`training stopped before any round completed: ${stopped}; ${advice}`)
      stopped = `training stopped after round ${last} of ${options.rounds}: ${stopped}; ${advice}`
      progress(stopped)
    }
    await waitUntil(
      () => (federation.history[last]?.evaluation?.reports ?? 0) >= options.clients,
      'the final evaluations',
      60_000,
    ).catch(() => {})
    const federatedMs = Date.now() - started
    const weights = federation.modelInClear ? federation.global.weights : clients.model()
    const testCsv = DataHandler.toCsv(test)
    const federated = weights ? await scoreOnHeldOut(task, testCsv, weights) : null
    if (weights) extras.keepModel?.(task, weights)
    // What the clients trained with (a bought task may have been configured before this run).
    const settings = federation.state.config
    const privacyLevel = privacyOf(settings)?.level ?? null
    const federatedRounds: (HeldOutScore | null)[] = []
    const stored = dataDir ? await recordedModels(coordinator, dataDir, taskId, recordedBefore, last) : []
    for (const [i, sampled] of snapshots.entries()) {
      const w = stored[i] ?? sampled
      federatedRounds.push(w ? await scoreOnHeldOut(task, testCsv, w) : null)
    }
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
              batchSize: settings.batchSize,
              learningRate: settings.learningRate,
              optimizer: settings.optimizer,
            },
            options.seed,
          )
    const centralizedMs = Date.now() - centralStart
    const testShares = shares(test.rows)
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
    const summary: Omit<FederatedSummary, 'warnings'> = {
      data: {
        name: table.name,
        rows: table.rows.length,
        features: table.schema.features.length,
        testRows: test.rows.length,
        alpha: Number.isFinite(options.alpha) ? options.alpha : 'iid',
        classes,
        testClassShares: testShares,
        clients: parts.map((p) => ({ rows: p.rows.length, classShares: shares(p.rows) })),
        csv: data.csv
          ? {
              report: data.csv.report,
              schemaSource: data.csv.schemaSource,
              columns: data.csv.columns,
              schema: table.schema,
            }
          : null,
      },
      model: modelName,
      training: {
        rounds: options.rounds,
        localEpochs: settings.localEpochs,
        learningRate: settings.learningRate,
        batchSize: settings.batchSize,
        optimizer: settings.optimizer,
      },
      rounds,
      final: {
        federated,
        centralized: central?.perRound.at(-1) ?? null,
        majority: Math.max(...testShares),
      },
      centralizedRounds: central?.perRound ?? [],
      federatedRounds,
      // From the task's settings, not only the options: a bought run is private on the listing's terms.
      privacy: privacyLevel
        ? {
            level: privacyLevel,
            epsilon:
              privacyLevel === 'example'
                ? Math.max(0, ...(federation.snapshot(true).clients ?? []).map((c) => c.exampleEpsilon ?? 0))
                : releasedEpsilon(federation.state),
            delta: settings.privacy.delta,
            budget: settings.privacy.epsilonBudget,
          }
        : null,
      encryption: options.encryption,
      aggregator: federation.state.config.robustness.aggregator,
      byzantine: options.byzantine?.count ?? 0,
      attack,
      bytesSent: rounds.reduce((s, r) => s + r.bytesUp, 0),
      timings: { federatedMs, centralizedMs },
      chain: { height: coordinator.chain.blocks.length, verified: verified.ok, dataDir: options.dataDir },
      ...(stopped === null ? {} : { stopped }),
    }
    return { ...summary, warnings: resultWarnings(summary) }
  } finally {
    await clients.close()
    if (!existing) await coordinator.close()
    if (temporary) rmSync(temporary, { recursive: true, force: true })
  }
}
