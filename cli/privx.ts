/**
 * The `privx` command (`npx privx <mode>`): demo, market, federated and full runs on an in-process coordinator with
 * Node clients (or Chromium tabs), and `verify` for a stored chain. Progress goes to stderr; the summary to stdout
 * (a table, or JSON with --json); a failure exits non-zero with the reason.
 */
import './quiet-tfjs'
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { format } from 'node:util'
import { verifyCommand } from '../coordinator/chain/verify-command'
import type { TaskInfo } from '../shared/protocol'
import { writeCharts } from './charts'
import { runFederated } from './federated-run'
import { runFull } from './full-run'
import { runMarket } from './market-run'
import { writeModelFiles } from './model-files'
import { parseOptions, type RunOptions, usage } from './options'
import { federatedCharts, federatedReport, fullReport, marketCharts, marketReport } from './report'

type TrainedModel = { task: TaskInfo; weights: Float32Array }

async function run(
  mode: string,
  options: RunOptions,
): Promise<{
  text: string
  json: unknown
  charts: Record<string, import('./charts').ChartSpec>
  model: TrainedModel | null
}> {
  const started = Date.now()
  const progress = (line: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`)
  let model: TrainedModel | null = null
  const extras = { keepModel: (task: TaskInfo, weights: Float32Array) => (model = { task, weights }) }
  const result = await runMode(mode, options, progress, extras)
  return { ...result, model }
}

async function runMode(
  mode: string,
  options: RunOptions,
  progress: (line: string) => void,
  extras: { keepModel: (task: TaskInfo, weights: Float32Array) => void },
): Promise<{ text: string; json: unknown; charts: Record<string, import('./charts').ChartSpec> }> {
  switch (mode) {
    case 'federated': {
      const summary = await runFederated(options, progress, undefined, extras)
      return { text: federatedReport(summary), json: { mode, ...summary }, charts: federatedCharts(summary) }
    }
    case 'market': {
      const summary = await runMarket(options, progress)
      return { text: marketReport(summary), json: { mode, ...summary }, charts: marketCharts(summary) }
    }
    case 'full': {
      const summary = await runFull(options, progress, extras)
      return {
        text: fullReport(summary),
        json: { mode, warnings: summary.federated.warnings, ...summary },
        charts: federatedCharts(summary.federated),
      }
    }
    default: {
      const market = await runMarket(options, progress)
      const federated = await runFederated(options, progress, undefined, extras)
      return {
        text: `${marketReport(market)}\n\n${federatedReport(federated)}`,
        json: { mode: 'demo', warnings: federated.warnings, market, federated },
        charts: { ...marketCharts(market), ...federatedCharts(federated) },
      }
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  // Libraries that talk on stdout (tfjs greets Node users) must not mix into the summary or the JSON.
  console.log = (...args: unknown[]) => process.stderr.write(`${format(...args)}\n`)
  let parsed: ReturnType<typeof parseOptions>
  try {
    parsed = parseOptions(argv)
  } catch (error) {
    process.stderr.write(`privx: ${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`)
    return 2
  }
  const { mode, help, options } = parsed
  if (help || mode === null) {
    process.stdout.write(`${usage}\n`)
    return help ? 0 : 2
  }
  if (mode === 'verify') return verifyCommand(options.dataDir ?? '.data')
  try {
    const result = await run(mode, options)
    if (options.out) {
      mkdirSync(options.out, { recursive: true })
      writeFileSync(join(options.out, 'summary.json'), `${JSON.stringify(result.json, null, 2)}\n`)
      const written = writeCharts(options.out, result.charts)
      const model = result.model
        ? await writeModelFiles(options.out, result.model.task, result.model.weights)
        : []
      process.stderr.write(
        `wrote ${join(options.out, 'summary.json')}, ${written.length} charts${model.length ? ` and the trained model (${model.map((p) => basename(p)).join(', ')})` : options.browser ? ' (no model: the tabs keep it)' : ''}\n`,
      )
    }
    process.stdout.write(options.json ? `${JSON.stringify(result.json)}\n` : `${result.text}\n`)
    return 0
  } catch (error) {
    process.stderr.write(`privx ${mode} failed: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
// Sockets and timers of a finished run must not keep the process alive.
setTimeout(() => process.exit(), 200).unref()
