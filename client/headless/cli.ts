import { parseArgs } from 'node:util'
import { type HeadlessClient, startHeadlessClient } from './headless-client'

const usage = `Usage: npm run headless -- [--url http://localhost:3000] [--clients N] [--backend wasm|cpu]

Starts N federated clients in this process, each with its own demo partition, and prints what they do.`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      clients: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'wasm' },
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
  const clients: HeadlessClient[] = []
  for (let i = 0; i < count; i++) {
    const client = await startHeadlessClient(values.url, values.backend)
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
    process.exit(0)
  })
}

main().catch((error: unknown) => {
  console.error(`privx headless: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
