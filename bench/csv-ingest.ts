/**
 * Reading a large CSV in a tab: wall time and Chromium's peak memory (PSS of all its processes, above the idle tab)
 * for a 20 MB and a 200 MB file, side by side in one run, through the real file input and training worker.
 * Memory should track the encoded rows (12 float32 per row here), not the file text. Run: npm run bench:csv
 *
 * First, wide files: time per MB for 1k, 10k and 100k columns side by side, read from a Blob by `readCsv` (the
 * worker's code, here in Node, with the column cap raised to fit). Linear reading keeps the figures close.
 * Only these: tsx bench/csv-ingest.ts --wide
 */
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readCsv } from '../client/data/csv/read-csv'
import { startCoordinator } from '../coordinator/server'
import { clinicCsv, clinicSchema } from '../examples/example-data'
import { csvTask, csvTaskRequestSchema } from '../shared/tasks/csv-task'
import type { TaskSchema } from '../shared/tasks/schema'
import { launchChromium } from '../tests/helpers/browser'

async function writeCsv(path: string, megabytes: number): Promise<{ bytes: number }> {
  const out = createWriteStream(path)
  let bytes = 0
  let seed = 1
  while (bytes < megabytes * 1024 * 1024) {
    let chunk = clinicCsv({ seed: seed++, rows: 20_000, positiveShare: 0.3 })
    if (bytes > 0) chunk = chunk.slice(chunk.indexOf('\n') + 1)
    bytes += Buffer.byteLength(chunk)
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((r) => out.end(() => r()))
  return { bytes }
}

/** Proportional set size of every Chromium process, in bytes. */
function chromiumPss(): number {
  let total = 0
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chromium')) continue
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))
      if (match) total += Number(match[1]) * 1024
    } catch {
      // the process ended meanwhile
    }
  }
  return total
}

/** A file of about `megabytes` MB: `columns` columns (`c0`, ... and the label `y`), rows of small numbers. */
function wideCsv(columns: number, megabytes: number): string {
  const header = Array.from({ length: columns - 1 }, (_, i) => `c${i}`)
  const rowOf = (r: number) =>
    [...Array.from({ length: columns - 1 }, (_, i) => ((r + i) % 10) / 10), r % 2].join(',')
  const rows = Math.max(1, Math.round((megabytes * 1024 * 1024) / rowOf(0).length))
  return `${[[...header, 'y'].join(','), ...Array.from({ length: rows }, (_, r) => rowOf(r))].join('\n')}\n`
}

const wideSchema: TaskSchema = {
  features: [{ name: 'c0', type: 'numeric', min: 0, max: 1 }],
  label: { name: 'y', classes: ['0', '1'] },
  missing: 'drop-row',
}
const wide: string[] = []
for (const columns of [1_000, 10_000, 100_000]) {
  const file = new Blob([wideCsv(columns, 16)])
  const started = performance.now()
  const { report } = await readCsv(file, 'wide.csv', wideSchema, { maxColumns: columns })
  const seconds = (performance.now() - started) / 1000
  const mb = file.size / 1024 / 1024
  wide.push(
    `${String(columns).padStart(7)}  ${mb.toFixed(1).padStart(5)} MB  ${seconds.toFixed(2).padStart(6)} s  ${((seconds * 1000) / mb).toFixed(0).padStart(5)} ms/MB  ${String(report.rows.valid).padStart(6)} rows${report.fatal ? `  ${report.fatal}` : ''}`,
  )
}
console.log('\nReading wide CSVs (readCsv from a Blob in Node, one data column used)\n')
console.log('columns     file      time   per MB    rows')
for (const row of wide) console.log(row)
if (process.argv.includes('--wide')) process.exit(0)

const task = csvTask(
  'clinic',
  csvTaskRequestSchema.parse({ name: 'Clinic', schema: clinicSchema, model: { kind: 'mlp' } }),
)
const coordinator = await startCoordinator({ port: 0, staticDir: resolve('dist'), tasks: [task] })
const browser = await launchChromium()
const dir = mkdtempSync(join(tmpdir(), 'privx-bench-'))
const rows: string[] = []
try {
  for (const megabytes of [20, 200]) {
    const path = join(dir, `clinic-${megabytes}mb.csv`)
    const { bytes } = await writeCsv(path, megabytes)
    const context = await browser.newContext()
    const tab = await context.newPage()
    await tab.goto(`${coordinator.clientPageUrl}?task=clinic`)
    await tab.getByTestId('csv-input').waitFor()
    await new Promise((r) => setTimeout(r, 1000))
    const idle = chromiumPss()
    let peak = idle
    const sampler = setInterval(() => {
      peak = Math.max(peak, chromiumPss())
    }, 100)
    const started = performance.now()
    await tab.getByTestId('csv-input').setInputFiles(path)
    await tab.getByTestId('csv-summary').waitFor({ timeout: 600_000 })
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    const summary = (await tab.getByTestId('csv-summary').textContent())?.trim().split('.')[0] ?? ''
    const mb = (n: number) => (n / 1024 / 1024).toFixed(0)
    const valid = Number(/(\d+) of/.exec(summary)?.[1] ?? 0)
    const encoded = valid * 12 * 4 + valid * 4
    rows.push(
      `${mb(bytes).padStart(6)} MB  ${seconds.toFixed(1).padStart(6)} s  ${(bytes / 1024 / 1024 / seconds).toFixed(1).padStart(6)} MB/s  ` +
        `${mb(peak - idle).padStart(8)} MB  ${((peak - idle) / bytes).toFixed(2).padStart(14)}  ${mb(encoded).padStart(11)} MB  ${summary}`,
    )
    await context.close()
    console.log(`measured ${mb(statSync(path).size)} MB`)
  }
} finally {
  await browser.close()
  await coordinator.close()
}
console.log('\nReading a CSV in a tab (headless Chromium, training worker, papaparse in 4 MB chunks)\n')
console.log('  file      time    speed  peak memory  memory / file  encoded rows  rows')
for (const row of rows) console.log(row)
