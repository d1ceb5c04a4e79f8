/**
 * Attack x aggregator, measured side by side in one run: `privx federated --clients 5 --rounds 10 --seed 1` with
 * 1 malicious client (`--byzantine 1 --attack A`, each attack in turn, and none) under each aggregation rule
 * (`--aggregator R`), on an IID split (`--alpha 0`) and a Dirichlet(0.5) split of the built-in diabetes-risk data.
 * Each cell: the final global model's accuracy on the held-out split; in the backdoor row also the backdoor's success
 * rate (held-out rows of the other class, with the trigger, put in the target class); with "rej N" the updates the
 * rule left out over the 10 rounds, where the coordinator records per-update verdicts. Real coordinator, sockets,
 * signatures and Node clients; no centralized baseline. Figures on a shared 2-core machine vary by a point or two.
 *
 * Run: npm run bench:robustness [-- --splits iid,0.5 --aggregators fedavg,median --attacks scale,backdoor]
 *      [--csv examples/penguins.csv --label species] (a CSV instead of the built-in data)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type FederatedSummary, runFederated } from '../cli/federated-run'
import { AGGREGATORS, type Aggregator, parseOptions } from '../cli/options'
import { ATTACKS, type Attack } from '../client/headless/byzantine-trainer'

const CLIENTS = 5
const ROUNDS = 10
const SEED = 1
/** A run that has not finished by then is reported as timed out (its cell reads "timeout"). */
const RUN_TIMEOUT_MS = 120_000

type Split = 'iid' | '0.5'

const { values } = parseArgs({
  options: {
    splits: { type: 'string' },
    aggregators: { type: 'string' },
    attacks: { type: 'string' },
    csv: { type: 'string' },
    label: { type: 'string' },
  },
})
if ((values.csv === undefined) !== (values.label === undefined))
  throw new Error('--csv and --label go together: the file and the column to predict')
/** Extra arguments of every run: a CSV and its label column, or none (the built-in data). */
const data = values.csv ? ['--csv', values.csv, '--label', values.label!] : []
const dataName = values.csv ? `${values.csv} (label ${values.label})` : 'built-in diabetes-risk data'

function pick<T extends string>(raw: string | undefined, all: readonly T[], what: string): T[] {
  if (raw === undefined) return [...all]
  const chosen = raw.split(',').map((s) => s.trim())
  for (const c of chosen)
    if (!(all as readonly string[]).includes(c)) throw new Error(`--${what} ${c}: one of ${all.join(', ')}`)
  return chosen as T[]
}

const splits = pick<Split>(values.splits, ['iid', '0.5'], 'splits')
const aggregators = pick<Aggregator>(values.aggregators, AGGREGATORS, 'aggregators')
const attacks: (Attack | 'none')[] = ['none', ...pick<Attack>(values.attacks, ATTACKS, 'attacks')]

interface Cell {
  readonly accuracy: number | null
  readonly backdoor: number | null
  /** Updates left out over the run; null without per-update verdicts. */
  readonly rejected: number | null
  readonly error: string | null
  readonly ms: number
}

async function measure(split: Split, attack: Attack | 'none', aggregator: Aggregator): Promise<Cell> {
  const argv = [
    'federated',
    '--clients',
    String(CLIENTS),
    '--rounds',
    String(ROUNDS),
    '--seed',
    String(SEED),
    '--alpha',
    split === 'iid' ? '0' : split,
    '--aggregator',
    aggregator,
    ...(attack === 'none' ? [] : ['--byzantine', '1', '--attack', attack]),
    ...data,
  ]
  const dataDir = mkdtempSync(join(tmpdir(), 'privx-bench-robust-'))
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const options = { ...parseOptions(argv).options, dataDir }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), RUN_TIMEOUT_MS)
    })
    const summary: FederatedSummary = await Promise.race([
      runFederated(options, () => {}, undefined, { centralized: false }),
      timeout,
    ])
    const verdicts = summary.rounds.filter((r) => r.rejected !== undefined)
    return {
      accuracy: summary.final.federated?.accuracy ?? null,
      backdoor: summary.attack?.backdoor?.successRate ?? null,
      rejected: verdicts.length ? verdicts.reduce((n, r) => n + r.rejected!, 0) : null,
      error: null,
      ms: performance.now() - started,
    }
  } catch (error) {
    return {
      accuracy: null,
      backdoor: null,
      rejected: null,
      error: error instanceof Error ? error.message : String(error),
      ms: performance.now() - started,
    }
  } finally {
    clearTimeout(timer)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`)

function cellText(cell: Cell): string {
  if (cell.error) return cell.error === 'timeout' ? 'timeout' : 'failed'
  const parts = [pct(cell.accuracy)]
  if (cell.backdoor !== null) parts.push(`bd ${pct(cell.backdoor)}`)
  if (cell.rejected !== null) parts.push(`rej ${cell.rejected}`)
  return parts.join(' · ')
}

function markdown(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

const results = new Map<string, Cell>()
const key = (split: Split, attack: string, aggregator: string) => `${split}/${attack}/${aggregator}`
const total = splits.length * attacks.length * aggregators.length
const benchStarted = performance.now()
let done = 0
for (const split of splits) {
  for (const attack of attacks) {
    for (const aggregator of aggregators) {
      const cell = await measure(split, attack, aggregator)
      results.set(key(split, attack, aggregator), cell)
      done++
      process.stderr.write(
        `[${((performance.now() - benchStarted) / 1000).toFixed(0)} s] ${done}/${total} ${split === 'iid' ? 'IID' : `Dirichlet(${split})`} ${attack} ${aggregator}: ${cellText(cell)}${cell.error && cell.error !== 'timeout' ? ` (${cell.error})` : ''} in ${(cell.ms / 1000).toFixed(1)} s\n`,
      )
    }
  }
}

console.log(
  `\nAttack x aggregator: ${CLIENTS} clients, 1 of them malicious, ${ROUNDS} rounds, seed ${SEED}, ${dataName}.`,
)
console.log(
  'Cells: federated accuracy on the held-out split; bd: backdoor success rate (triggered held-out rows put in the target class); rej: updates left out over the run.\n',
)
for (const split of splits) {
  console.log(
    `**${split === 'iid' ? 'IID split (--alpha 0)' : `Dirichlet(${split}) split (--alpha ${split})`}**\n`,
  )
  console.log(
    markdown(
      ['attack', ...aggregators],
      attacks.map((attack) => [
        attack,
        ...aggregators.map((aggregator) => cellText(results.get(key(split, attack, aggregator))!)),
      ]),
    ),
  )
  console.log()
}
const identical = attacks.every((attack) =>
  splits.every(
    (split) => new Set(aggregators.map((a) => cellText(results.get(key(split, attack, a))!))).size === 1,
  ),
)
if (aggregators.length > 1 && identical) {
  console.log(
    'Every aggregator gave the same figures: the coordinator this ran against does not apply `--aggregator` (FedAvg throughout).',
  )
}
console.log(`(${total} runs in ${((performance.now() - benchStarted) / 1000).toFixed(0)} s)`)
process.exit(0)
