/**
 * Node clients in the main thread against clients in worker threads, side by side in one run: the same
 * `privx federated` run (issue 17's task shape: MLP with hidden layers 124-64-32, Adam, batch 30, one local epoch
 * per round, 10 clients) with `--workers 0` and with the default (one thread per core, at most one per client).
 * Prints the median round time (the coordinator's, round start to close), the process CPU time per round (all
 * threads: the coordinator, the clients' sessions and the training threads) and the ratios. Round 1 is left out of
 * the CPU figure (start-up and warm-up). On a shared machine, figures are orders of magnitude, not targets.
 *
 * Run: npm run bench:parallel [-- --clients 10 --rounds 6 --json] (other options go to `privx federated`)
 */
import '../cli/quiet-tfjs'
import { availableParallelism } from 'node:os'
import { runFederated } from '../cli/federated-run'
import { parseOptions } from '../cli/options'

interface Figures {
  readonly workers: number
  readonly medianRoundMs: number
  readonly cpuPerRoundMs: number
  readonly wallPerRoundMs: number
  readonly accuracy: number | null
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** `--clients N`, `--rounds R` and `--json` are the bench's; every other argument goes to `privx federated`. */
function benchArgs(argv: readonly string[]): {
  clients: number
  rounds: number
  json: boolean
  passThrough: string[]
} {
  const out = { clients: 10, rounds: 6, json: false, passThrough: [] as string[] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--json') out.json = true
    else if (arg === '--clients' || arg === '--rounds') {
      const value = Number(argv[++i])
      if (!Number.isInteger(value) || value < (arg === '--rounds' ? 3 : 1))
        throw new Error(`${arg} must be a whole number (rounds: 3 or more), got ${argv[i]}`)
      out[arg === '--clients' ? 'clients' : 'rounds'] = value
    } else out.passThrough.push(arg)
  }
  return out
}

const { clients, rounds, json, passThrough } = benchArgs(process.argv.slice(2))

async function measure(workers: number | null): Promise<Figures> {
  const argv = [
    'federated',
    ...['--clients', String(clients), '--rounds', String(rounds), '--seed', '1'],
    ...['--hidden', '124,64,32', '--batch', '30', '--local-epochs', '1'],
    ...(workers === null ? [] : ['--workers', String(workers)]),
    ...passThrough,
  ]
  const { options } = parseOptions(argv)
  // Process CPU time (every thread) and wall time as each round closes.
  const marks: { cpuMs: number; at: number }[] = []
  const summary = await runFederated(
    options,
    (line) => {
      if (!/^round \d+\//.test(line)) return
      const cpu = process.cpuUsage()
      marks.push({ cpuMs: (cpu.user + cpu.system) / 1000, at: performance.now() })
    },
    undefined,
    { centralized: false },
  )
  if (marks.length < 3) throw new Error(`${argv.join(' ')}: only ${marks.length} rounds closed`)
  const first = marks[0]!
  const last = marks.at(-1)!
  const steps = marks.length - 1
  return {
    workers: options.workers,
    medianRoundMs: median(summary.rounds.map((r) => r.durationMs ?? 0)),
    cpuPerRoundMs: (last.cpuMs - first.cpuMs) / steps,
    wallPerRoundMs: (last.at - first.at) / steps,
    accuracy: summary.final.federated?.accuracy ?? null,
  }
}

process.stderr.write(
  `parallel clients: ${clients} clients, ${rounds} rounds, ${availableParallelism()} cores\n`,
)
const inProcess = await measure(0)
const pooled = await measure(null)
const ratios = {
  roundTime: inProcess.medianRoundMs / pooled.medianRoundMs,
  cpuPerRound: pooled.cpuPerRoundMs / inProcess.cpuPerRoundMs,
}
if (json) {
  console.log(JSON.stringify({ clients, rounds, cores: availableParallelism(), inProcess, pooled, ratios }))
} else {
  console.log(
    `\nNode clients in the main thread vs worker threads (${clients} clients, ${rounds} rounds, MLP 124-64-32, Adam, batch 30, 1 local epoch; ${availableParallelism()} cores)\n`,
  )
  console.log('workers  median round  wall/round  CPU/round  CPU/wall  accuracy')
  for (const f of [inProcess, pooled]) {
    console.log(
      `${String(f.workers).padStart(7)}  ${`${f.medianRoundMs.toFixed(0)} ms`.padStart(12)}  ${`${f.wallPerRoundMs.toFixed(0)} ms`.padStart(10)}  ${`${f.cpuPerRoundMs.toFixed(0)} ms`.padStart(9)}  ${(f.cpuPerRoundMs / f.wallPerRoundMs).toFixed(2).padStart(8)}  ${f.accuracy?.toFixed(4) ?? '-'}`,
    )
  }
  console.log(
    `\nspeed-up of the median round with ${pooled.workers} threads: ${ratios.roundTime.toFixed(2)}x (above 1: threads faster); CPU per round: ${ratios.cpuPerRound.toFixed(2)}x the in-process run's${inProcess.accuracy === pooled.accuracy ? '; same accuracy' : '; ACCURACY DIFFERS'}`,
  )
}
