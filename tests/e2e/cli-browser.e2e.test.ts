import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

describe('privx --browser', () => {
  it('runs federated training in real headless Chromium tabs, each uploading its part through the file input', () => {
    const run = spawnSync(
      join('node_modules', '.bin', 'tsx'),
      ['cli/privx.ts', 'federated', '--browser', '--clients', '2', '--rounds', '2', '--json'],
      { encoding: 'utf8', timeout: 240_000 },
    )
    expect(run.status, run.stderr).toBe(0)
    const summary = JSON.parse(run.stdout) as {
      rounds: { participants: number }[]
      final: { federated: { accuracy: number }; majority: number }
    }
    expect(summary.rounds.map((r) => r.participants)).toEqual([2, 2])
    expect(summary.final.federated.accuracy).toBeGreaterThan(summary.final.majority)
  })
})
