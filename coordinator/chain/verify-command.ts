import { statSync } from 'node:fs'
import { ChainStore } from './chain-store'

/**
 * `privx verify --data-dir DIR`: checks a stored chain without starting a server. Exit 0 and a one-line summary
 * when valid; 1 and the failing block and check when not; 2 for bad usage, and for a directory that does not
 * exist (which it never creates).
 */
export function verifyCommand(dataDir: string): number {
  const kind = statSync(dataDir, { throwIfNoEntry: false })
  if (!kind?.isDirectory()) {
    console.error(
      `privx verify: --data-dir ${dataDir} ${kind ? 'is not a directory' : 'does not exist'}: give the directory a coordinator or run kept its chain in`,
    )
    return 2
  }
  const result = new ChainStore(dataDir).load()
  if (!result.ok) {
    console.error(`invalid: block ${result.fault.index}: ${result.fault.check}: ${result.fault.message}`)
    return 1
  }
  for (const warning of result.warnings) console.error(`warning: ${warning}`)
  if (result.blocks.length === 0) {
    console.log(`empty: no blocks in ${dataDir}`)
    return 0
  }
  const last = result.blocks.at(-1)!
  const txs = result.blocks.reduce((n, b) => n + b.transactions.length, 0)
  const accounts = Object.keys(result.state?.accounts ?? {}).length
  const rounds = result.state?.rounds.length ?? 0
  console.log(
    `valid: chain "${last.header.chainId}", ${result.blocks.length} blocks, ${txs} transactions, ${accounts} accounts, ${rounds} training rounds; head ${last.hash.slice(0, 16)}`,
  )
  return 0
}
