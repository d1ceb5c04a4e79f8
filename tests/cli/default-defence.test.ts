import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runFederated } from '../../cli/federated-run'
import { parseOptions } from '../../cli/options'
import { ATTACKS, type Attack } from '../../client/headless/byzantine-trainer'

/**
 * Issue 14's acceptance check, as a person would run it: `privx federated --clients 5 --rounds 10 --seed 1
 * --alpha 0 --byzantine 1 --attack A` with the default aggregator keeps federated accuracy within 0.03 of the same
 * command without `--byzantine`, for every attack, on the built-in data and on a real CSV (Palmer penguins,
 * examples/penguins.csv, 3 species; CC0, Horst, Hill and Gorman 2020). FedAvg under sign-flip falls to about 0.53
 * (built-in) and 0.81 (penguins) in the same runs, so the check can fail.
 */
async function accuracy(data: readonly string[], attack: Attack | null): Promise<number> {
  const argv = ['federated', '--clients', '5', '--rounds', '10', '--seed', '1', '--alpha', '0', ...data]
  if (attack) argv.push('--byzantine', '1', '--attack', attack)
  const dataDir = mkdtempSync(join(tmpdir(), 'privx-defence-'))
  try {
    const options = { ...parseOptions(argv).options, dataDir }
    const summary = await runFederated(options, () => {}, undefined, { centralized: false })
    expect(summary.aggregator).toBe('multi-krum')
    const value = summary.final.federated?.accuracy
    if (value === undefined) throw new Error(`${argv.join(' ')}: no federated accuracy`)
    return value
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const DATASETS = {
  'built-in data': [],
  'penguins CSV': ['--csv', join(import.meta.dirname, '../../examples/penguins.csv'), '--label', 'species'],
} as const

describe('the default defence with 1 of 5 clients attacking', () => {
  for (const [name, data] of Object.entries(DATASETS)) {
    it(`keeps federated accuracy within 0.03 of the unattacked run for every attack, on the ${name}`, async () => {
      const clean = await accuracy(data, null)
      expect(clean).toBeGreaterThan(0.8)
      const gaps: Record<string, number> = {}
      for (const attack of ATTACKS) gaps[attack] = Math.abs((await accuracy(data, attack)) - clean)
      // Names each attack that moved accuracy by more than 0.03, with the gap.
      expect(Object.entries(gaps).filter(([, gap]) => gap > 0.03)).toEqual([])
    }, 240_000)
  }
})
