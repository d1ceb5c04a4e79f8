import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SpilledUpdateStore, spillingUpdates } from '../../coordinator/task/spilled-updates'
import { RobustRoundAggregator } from '../../shared/aggregation/robust/robust-round'
import { budgetedUpdates, type UpdateStoreFactory } from '../../shared/aggregation/robust/update-store'
import { seededRandom, standardNormal } from '../../shared/random'
import { defaultRobustnessConfig, type RobustnessConfig } from '../../shared/rounds/config'

const RULES = ['fedavg', 'median', 'trimmed-mean', 'krum', 'multi-krum', 'centered-clip'] as const
const directory = mkdtempSync(join(tmpdir(), 'privx-spill-test-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const spillFiles = (): string[] => readdirSync(directory).filter((name) => name.startsWith('privx-round-'))

/** A round's result as bytes and verdicts, to compare two stores to the bit. */
function run(
  length: number,
  config: RobustnessConfig,
  updates: readonly Float32Array[],
  weights: readonly number[],
  options: { store?: UpdateStoreFactory; spanLength?: number },
) {
  const round = new RobustRoundAggregator(length, config, null, null, options)
  updates.forEach((payload, i) => {
    // Arrival order differs from client order: the round sorts by id either way.
    expect(round.add({ id: `c${(i * 7) % updates.length}-${i}`, weight: weights[i]!, payload }).ok).toBe(true)
  })
  const closed = round.close()
  if (!closed.ok) return { error: closed.error, verdicts: round.verdicts }
  const { outcome, verdicts, note } = closed.value
  return { bytes: Buffer.from(outcome.buffer).toString('hex'), verdicts, note }
}

describe('SpilledUpdateStore', () => {
  it('gives every rule the in-memory outcome, to the bit, at any span length (property, seeded)', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const random = seededRandom(seed)
      const n = 3 + Math.floor(random() * 8)
      const length = 5 + Math.floor(random() * 60)
      // Every fourth update is 40 times larger: some are clipped or rejected by the norm bound.
      const updates = Array.from({ length: n }, (_, i) =>
        Float32Array.from({ length }, () => standardNormal(random) * (i % 4 === 3 ? 40 : 1)),
      )
      const weights = updates.map(() => 1 + Math.floor(random() * 100))
      // A span that does not divide the model length, so the last span of every pass is short.
      let span = 2 + Math.floor(random() * (length - 2))
      if (length % span === 0) span--
      for (const aggregator of RULES) {
        const config: RobustnessConfig = {
          ...defaultRobustnessConfig,
          aggregator,
          byzantine: 0,
          overBound: seed % 2 ? 'clip' : 'reject',
          clipIterations: 3,
        }
        const inMemory = run(length, config, updates, weights, {})
        const spilled = run(length, config, updates, weights, {
          store: (l) => new SpilledUpdateStore(l, directory),
          spanLength: span,
        })
        const mixed = run(length, config, updates, weights, {
          store: budgetedUpdates(2 * length * 4, (l) => new SpilledUpdateStore(l, directory)),
          spanLength: span,
        })
        expect(spilled).toEqual(inMemory)
        expect(mixed).toEqual(inMemory)
        expect(spillFiles()).toEqual([]) // each round deleted its file when it closed
      }
    }
  })

  it('writes a private file with a random name, and deletes it on close and on discard', () => {
    const config = { ...defaultRobustnessConfig, aggregator: 'median' as const }
    let path = ''
    const capture: UpdateStoreFactory = (length) => {
      const store = new SpilledUpdateStore(length, directory)
      path = store.path
      return store
    }
    for (const end of ['close', 'discard'] as const) {
      const round = new RobustRoundAggregator(3, config, null, null, { store: capture })
      round.add({ id: 'a', weight: 1, payload: Float32Array.of(1, 2, 3) })
      expect(statSync(path).mode & 0o777).toBe(0o600)
      expect(statSync(path).size).toBe(12)
      expect(path).toMatch(/privx-round-[0-9a-f]{24}\.f32$/)
      if (end === 'close') expect(round.close().ok).toBe(true)
      else round.discard()
      expect(existsSync(path)).toBe(false)
    }
    const store = new SpilledUpdateStore(2, directory)
    store.add(Float32Array.of(1, 2))
    expect(() => store.read(1, 0, 2, new Float32Array(2))).toThrow(/no update 1/)
    expect(() => store.read(0, 1, 3, new Float32Array(2))).toThrow(/cannot read values \[1, 3\)/)
    store.dispose()
    store.dispose() // harmless twice
    expect(() => store.add(Float32Array.of(1, 2))).toThrow(/disposed/)
  })

  it('deletes its file when the process exits without closing the round', () => {
    const script = [
      "import { SpilledUpdateStore } from './coordinator/task/spilled-updates'",
      `const store = new SpilledUpdateStore(4, ${JSON.stringify(directory)})`,
      'store.add(new Float32Array(4))',
      'console.log(store.path)',
    ].join('\n')
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    })
    expect(child.status, child.stderr).toBe(0)
    const path = child.stdout.trim()
    expect(path).toMatch(/privx-round-/)
    expect(existsSync(path)).toBe(false)
  })

  it('keeps small models in memory: the coordinator spills past 16 MiB or 4 models', () => {
    const small = spillingUpdates(directory)(1000)
    for (let i = 0; i < 1000; i++) small.add(new Float32Array(1000)) // 4 MB in all
    expect(spillFiles()).toEqual([])
    small.dispose()
    const large = spillingUpdates(directory)(2 * 1024 * 1024) // 8 MiB a model: 4 fit in memory, the 5th spills
    const update = new Float32Array(large.length)
    for (let i = 0; i < 4; i++) large.add(update)
    expect(spillFiles()).toEqual([])
    large.add(update)
    expect(spillFiles()).toHaveLength(1)
    large.dispose()
    expect(spillFiles()).toEqual([])
  })
})
