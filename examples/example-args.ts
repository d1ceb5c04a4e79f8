import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseOptions, type RunOptions } from '../cli/options'

/** An example's options: the command line's, with its own defaults, and charts under examples/charts unless --out. */
export function exampleOptions(defaults: readonly string[]): RunOptions {
  const { options } = parseOptions([...defaults, ...process.argv.slice(2)])
  const charts = join(dirname(fileURLToPath(import.meta.url)), 'charts')
  return { ...options, out: options.out ?? charts }
}
