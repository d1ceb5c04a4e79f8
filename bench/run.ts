/**
 * Where a round's time goes (issue 17), measured side by side in one run: 3 and 10 Node clients (`privx federated`,
 * MLP with hidden layers 124-64-32, Adam, batch 30, one local epoch a round, a real coordinator and chain on disk),
 * then 3 and 8 headless Chromium tabs on the demo task (the built app; each tab picks its backend as a user's would).
 *
 * For each: the median round time; its split (the slowest participant's training, evaluation, hashing and signing
 * the update, the coordinator's verification of updates, aggregation, the chain, saving the model, and what is
 * left: transport and waiting); the round overhead (round time minus the slowest participant's training); and CPU
 * per round of this process (the coordinator, and the Node clients with their worker threads; tabs are processes of
 * their own). Each participant and the coordinator time their stages (shared/metrics/stage-times.ts); a sample
 * belongs to the round whose chain record is the first to end after it.
 *
 * Run: npm run bench [-- --rounds N] [--json]. Figures on a shared 2-core machine are orders of magnitude.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { runFederated } from '../cli/federated-run'
import { parseOptions } from '../cli/options'
import { startCoordinator } from '../coordinator/server'
import { type Stage, type StageSample, stageTimes } from '../shared/metrics/stage-times'
import { launchChromium } from '../tests/helpers/browser'
import { waitFor } from '../tests/helpers/wait'

const args = process.argv.slice(2)
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 8
const JSON_OUT = args.includes('--json')
const say = (line: string): void => {
  if (!JSON_OUT) console.log(line)
}

/** One round's split, in milliseconds. Participant stages: the slowest participant's; coordinator stages: summed. */
interface RoundSplit {
  round: number
  total: number
  train: number
  evaluate: number
  sign: number
  verify: number
  aggregate: number
  chain: number
  save: number
  transport: number
  overhead: number
}

interface Figures {
  setup: string
  parameters: string
  medianRoundMs: number
  /** The final model's accuracy on held-out rows. */
  accuracy: number | null
  cpuMsPerRound: number | null
  split: Omit<RoundSplit, 'round'>
}

const median = (values: number[]): number => {
  if (values.length === 0) return 0
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * Each round's split, from the samples of the coordinator (`coordinator`, this process) and of every participant
 * (one list each). Round r spans from the end of round r-1's chain record to the end of its own.
 */
function splitRounds(
  durations: readonly (number | null)[],
  coordinator: readonly StageSample[],
  participants: readonly (readonly StageSample[])[],
): RoundSplit[] {
  const ends = coordinator.filter((s) => s.stage === 'chain').map((s) => s.endedAt)
  const within = (s: StageSample, r: number) => s.endedAt <= ends[r]! && (r === 0 || s.endedAt > ends[r - 1]!)
  const summed = (samples: readonly StageSample[], stage: Stage, r: number) =>
    samples.filter((s) => s.stage === stage && within(s, r)).reduce((sum, s) => sum + s.ms, 0)
  const slowest = (stage: Stage, r: number) => Math.max(0, ...participants.map((p) => summed(p, stage, r)))
  return durations.slice(0, ends.length).map((duration, r) => {
    const total = duration ?? 0
    const part = {
      train: slowest('train', r),
      evaluate: slowest('evaluate', r),
      sign: slowest('sign', r),
      verify: summed(coordinator, 'verify', r),
      aggregate: summed(coordinator, 'aggregate', r),
      chain: summed(coordinator, 'chain', r),
      save: summed(coordinator, 'save', r),
    }
    const accounted = part.train + part.sign + part.verify + part.aggregate + part.chain + part.save
    return {
      round: r + 1,
      total,
      ...part,
      transport: Math.max(0, total - accounted),
      overhead: Math.max(0, total - part.train),
    }
  })
}

/** The median of each field over the rounds after the first (whose tfjs warm-up is not a round's cost). */
function medianSplit(rounds: readonly RoundSplit[]): Omit<RoundSplit, 'round'> {
  const steady = rounds.length > 2 ? rounds.slice(1) : rounds
  const of = (key: keyof Omit<RoundSplit, 'round'>) => median(steady.map((r) => r[key]))
  return {
    total: of('total'),
    train: of('train'),
    evaluate: of('evaluate'),
    sign: of('sign'),
    verify: of('verify'),
    aggregate: of('aggregate'),
    chain: of('chain'),
    save: of('save'),
    transport: of('transport'),
    overhead: of('overhead'),
  }
}

async function nodeClients(clients: number): Promise<Figures> {
  const { options } = parseOptions(
    ['federated', '--clients', clients, '--rounds', ROUNDS, '--hidden', '124,64,32', '--batch', 30]
      .concat(['--local-epochs', 1, '--alpha', 0, '--seed', 1])
      .map(String),
  )
  stageTimes.clear()
  const cpu = process.cpuUsage()
  const summary = await runFederated(options, () => {}, undefined, { centralized: false })
  const used = process.cpuUsage(cpu)
  // Node clients share this process's recorder with the coordinator. Each client trains, evaluates and signs once a
  // round, so the round's largest sample of a participant stage is its slowest participant's.
  const participant = new Set<Stage>(['train', 'evaluate', 'sign'])
  const samples = stageTimes.samples()
  const rounds = splitRounds(
    summary.rounds.map((r) => r.durationMs),
    samples.filter((s) => !participant.has(s.stage)),
    samples.filter((s) => participant.has(s.stage)).map((s) => [s]),
  )
  return {
    setup: `${clients} Node clients`,
    parameters: summary.model,
    medianRoundMs: medianSplit(rounds).total,
    accuracy: summary.final.federated?.accuracy ?? null,
    cpuMsPerRound: (used.user + used.system) / 1000 / summary.rounds.length,
    split: medianSplit(rounds),
  }
}

async function tabs(count: number): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'privx-bench-'))
  const coordinator = await startCoordinator({
    port: 0,
    staticDir: resolve('dist'),
    dataDir,
    config: { rounds: ROUNDS, minClients: count, localEpochs: 1, batchSize: 30 },
  })
  const browser = await launchChromium()
  try {
    const context = await browser.newContext()
    const pages: Page[] = []
    for (let i = 0; i < count; i++) {
      const page = await context.newPage()
      await page.goto(coordinator.clientPageUrl)
      pages.push(page)
    }
    const state = () => coordinator.federation.state
    await waitFor(
      () => [...state().clients.values()].filter((c) => c.ready).length === count,
      `${count} ready tabs`,
      120_000,
    )
    stageTimes.clear()
    const cpu = process.cpuUsage()
    coordinator.federation.control('start')
    await waitFor(() => state().completedRounds === ROUNDS, `${ROUNDS} rounds`, 600_000)
    const used = process.cpuUsage(cpu)
    const participants = await Promise.all(
      pages.map((p) =>
        p.evaluate(() =>
          (
            globalThis as unknown as { privxStageTimes: { samples(): StageSample[] } }
          ).privxStageTimes.samples(),
        ),
      ),
    )
    const durations = coordinator.federation.history.slice(1).map((r) => r.durationMs)
    const rounds = splitRounds(durations, stageTimes.samples(), participants)
    const backend = [...new Set([...state().clients.values()].map((c) => c.backend))].join(',')
    return {
      setup: `${count} tabs (${backend})`,
      parameters: 'demo task MLP',
      medianRoundMs: medianSplit(rounds).total,
      accuracy: coordinator.federation.history[ROUNDS]?.evaluation?.accuracy ?? null,
      cpuMsPerRound: (used.user + used.system) / 1000 / ROUNDS,
      split: medianSplit(rounds),
    }
  } finally {
    await browser.close()
    await coordinator.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const results: Figures[] = []
for (const clients of [3, 10]) {
  say(`running ${clients} Node clients, ${ROUNDS} rounds…`)
  results.push(await nodeClients(clients))
}
for (const count of [3, 8]) {
  say(`running ${count} tabs, ${ROUNDS} rounds…`)
  results.push(await tabs(count))
}

if (JSON_OUT) console.log(JSON.stringify({ rounds: ROUNDS, results }))
else {
  const ms = (v: number) => `${v.toFixed(1)} ms`
  say(`\nMedian round and its split (${ROUNDS} rounds; the first left out as warm-up)\n`)
  const head = ['setup', 'round', 'training', 'evaluation', 'hash+sign', 'verify', 'aggregation', 'chain']
  const tail = ['model save', 'transport+wait', 'overhead', 'CPU/round (this process)', 'accuracy']
  say(`| ${[...head, ...tail].join(' | ')} |`)
  say(`|${' --- |'.repeat(head.length + tail.length)}`)
  for (const r of results) {
    const s = r.split
    say(
      `| ${[r.setup, ms(r.medianRoundMs), ms(s.train), ms(s.evaluate), ms(s.sign), ms(s.verify), ms(s.aggregate), ms(s.chain), ms(s.save), ms(s.transport), ms(s.overhead), r.cpuMsPerRound === null ? '-' : ms(r.cpuMsPerRound), r.accuracy === null ? '-' : `${(100 * r.accuracy).toFixed(1)}%`].join(' | ')} |`,
    )
  }
  const [three, ten, tabs3, tabs8] = results
  say(`\nround time, 10 / 3 Node clients: ${(ten!.medianRoundMs / three!.medianRoundMs).toFixed(2)}x`)
  say(`round time, 8 / 3 tabs: ${(tabs8!.medianRoundMs / tabs3!.medianRoundMs).toFixed(2)}x`)
  say(
    `overhead share of the round: ${results.map((r) => `${r.setup} ${((100 * r.split.overhead) / Math.max(1, r.split.total)).toFixed(0)}%`).join(', ')}`,
  )
}
process.exit(0)
