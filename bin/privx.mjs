#!/usr/bin/env node
// Runs the TypeScript command line through tsx, so `npx privx <mode>` works from a checkout. SEAL (node-seal) needs
// Node >= 22: on an older Node this re-runs itself on the Node 24 the project installs (the `node` package).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
if (Number(process.versions.node.split('.')[0]) < 22) {
  const bundled = join(here, '..', 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(bundled)) {
    console.error(
      `privx needs Node >= 22 (this is ${process.version}); run npm install to get the bundled Node 24`,
    )
    process.exit(1)
  }
  const run = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  process.exit(run.status ?? 1)
}
const { register } = await import('tsx/esm/api')
register()
await import('../cli/privx.ts')
