/**
 * `npm run bench`: the benches that say whether Privx stays fast (issue 17), one after another so none measures
 * while another loads the machine: rounds and their split (3 and 10 Node clients, 3 and 8 tabs), the chain against
 * its length, transport against a raw socket.io emit, memory under an update burst, Node clients in worker threads,
 * native against pure-JS crypto, and the encrypted sum. With --json, the benches that can answer in JSON do, and
 * one JSON object with every answer is printed last (the others' text goes to stderr).
 * Run: npm run bench [-- --json]
 */
import { spawnSync } from 'node:child_process'

const json = process.argv.includes('--json')

/** Each bench, and whether it answers --json with one JSON document on the last line of stdout. */
const BENCHES: readonly { readonly name: string; readonly file: string; readonly json: boolean }[] = [
  { name: 'rounds', file: 'bench/run.ts', json: true },
  { name: 'chain', file: 'bench/chain.ts', json: true },
  { name: 'transport', file: 'bench/transport.ts', json: false },
  { name: 'burst', file: 'bench/update-burst.ts', json: false },
  { name: 'parallel', file: 'bench/parallel-clients.ts', json: true },
  { name: 'crypto', file: 'bench/crypto.ts', json: false },
  { name: 'he', file: 'bench/he.ts', json: false },
]

const results: Record<string, unknown> = {}
let failed = 0
for (const bench of BENCHES) {
  const asJson = json && bench.json
  if (!json) console.log(`\n## ${bench.name} (${bench.file})\n`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', bench.file, ...(asJson ? ['--json'] : [])], {
    stdio: ['ignore', asJson ? 'pipe' : json ? process.stderr : 'inherit', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (run.status !== 0) {
    failed++
    console.error(`bench ${bench.name} failed (exit ${run.status ?? run.signal})`)
    continue
  }
  if (asJson) {
    try {
      // The last line: a library may print a banner first.
      results[bench.name] = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '')
    } catch {
      failed++
      console.error(`bench ${bench.name} did not print one JSON document`)
    }
  }
}
if (json) console.log(JSON.stringify(results, null, 2))
process.exit(failed === 0 ? 0 : 1)
