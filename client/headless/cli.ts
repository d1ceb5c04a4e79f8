import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { errorMessage } from '../../shared/errors'
import { type HeadlessClient, startHeadlessClient } from './headless-client'
import { defaultTrainerThreads, TrainerPool } from './trainer-pool'

const usage = `Usage: npm run headless -- [--url http://localhost:3000] [--clients N] [--backend wasm|cpu]
                            [--task ID] [--csv FILE ...] [--workers N]

Starts federated clients in this process and prints what they do. With the demo task, N clients each generate
their own partition. With a CSV task, one client per --csv file, each reading its file as a tab would. They train
in --workers worker threads (default one per core, at most one per client; 0: all in the main thread).`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      clients: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'wasm' },
      task: { type: 'string' },
      csv: { type: 'string', multiple: true },
      workers: { type: 'string' },
      help: { type: 'boolean' },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const count = Number(values.clients)
  if (!Number.isInteger(count) || count < 1 || count > 256)
    throw new Error(`--clients must be 1 to 256, got "${values.clients}"`)
  if (values.backend !== 'wasm' && values.backend !== 'cpu')
    throw new Error(`--backend must be wasm or cpu, got "${values.backend}"`)
  const files = values.csv ?? []
  const total = files.length || count
  const workers = values.workers === undefined ? defaultTrainerThreads(total) : Number(values.workers)
  if (!/^\d+$/.test(values.workers ?? '0') || workers > 64)
    throw new Error(`--workers must be 0 to 64, got "${values.workers}"`)
  // A training thread that dies leaves its clients unable to train: say why and stop, rather than idle on.
  const onFailure = (error: Error): never => {
    console.error(`privx headless: ${error.message}`)
    process.exit(1)
  }
  const pool =
    workers > 0
      ? await TrainerPool.start(Math.min(workers, total), { backend: values.backend, onFailure })
      : null
  const clients: HeadlessClient[] = []
  for (let i = 0; i < total; i++) {
    const file = files[i]
    const csv = file ? { text: await readFile(file, 'utf8'), fileName: basename(file) } : undefined
    const client = await startHeadlessClient(values.url, {
      backend: values.backend,
      ...(values.task ? { taskId: values.task } : {}),
      ...(csv ? { csv } : {}),
      ...(pool ? { trainer: pool.trainer() } : {}),
    })
    if (client.csvReport) {
      const r = client.csvReport
      console.log(
        `${csv!.fileName}: ${r.rows.valid} of ${r.rows.total} rows valid${r.warnings.length ? `; ${r.warnings.join('; ')}` : ''}`,
      )
    }
    let seen = 0
    client.session.subscribe((s) => {
      for (const notice of s.notices.slice(seen))
        console.log(`[${s.clientId ?? 'joining'}] ${notice.level}: ${notice.text}`)
      seen = s.notices.length
    })
    clients.push(client)
  }
  console.log(`${count} headless client(s) connecting to ${values.url}; Ctrl-C to stop`)
  process.on('SIGINT', () => {
    for (const client of clients) client.close()
    void (pool?.close() ?? Promise.resolve()).finally(() => process.exit(0))
  })
}

main().catch((error: unknown) => {
  console.error(`privx headless: ${errorMessage(error)}`)
  process.exit(1)
})
