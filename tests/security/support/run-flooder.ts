import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./flooder.ts', import.meta.url))

/** Runs the flooder in a process of its own and resolves with its report once its time is up. */
export function runFlooder(args: readonly string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`flooder exited ${code}: ${err.slice(-2000)}`))
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>)
    })
  })
}
