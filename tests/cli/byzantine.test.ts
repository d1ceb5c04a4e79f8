import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { attackerWrapper, chainVerdictCounts, verdictCounts } from '../../cli/attack'
import { runConfig } from '../../cli/federated-run'
import { parseOptions } from '../../cli/options'
import {
  attackDelta,
  ByzantineTrainer,
  backdoorTestRows,
  DECLARED_EXAMPLES,
  DEFAULT_BACKDOOR,
  flipLabels,
  plantBackdoor,
  withTrigger,
} from '../../client/headless/byzantine-trainer'
import type { TrainerPort, TrainRequest, TrainResult } from '../../client/training/trainer-port'
import type { Block } from '../../shared/chain/block'
import { DataHandler } from '../../shared/data/data-handler'
import { GENERATORS } from '../../shared/data/generators'
import type { Partition, TaskInfo } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'

const parse = (...argv: string[]) => parseOptions(['federated', ...argv]).options
const failure = (...argv: string[]): string => {
  try {
    parse(...argv)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error(`${argv.join(' ')} parsed`)
}

const l2 = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
const honest = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i + 1) / 10)

describe('privx --byzantine --attack --aggregator', () => {
  it('parses an attack simulation and puts the rule (and Krum f) in the run settings', () => {
    const options = parse(
      '--clients',
      '5',
      '--byzantine',
      '2',
      '--attack',
      'sign-flip',
      '--aggregator',
      'krum',
    )
    expect(options.byzantine).toEqual({ count: 2, attack: 'sign-flip' })
    expect(options.aggregator).toBe('krum')
    expect(runConfig(options).robustness).toMatchObject({ aggregator: 'krum', byzantine: 2 })
    expect(parse().byzantine).toBeNull()
    expect(parse().aggregator).toBeNull()
    expect(runConfig(parse()).robustness).toBeUndefined()
    expect(runConfig(parse('--aggregator', 'median')).robustness?.aggregator).toBe('median')
  })

  it('says what is wrong with a bad value', () => {
    expect(failure('--clients', '3', '--byzantine', '3', '--attack', 'scale')).toBe(
      '--byzantine 3: must be fewer than the 3 clients (--clients), so some are honest',
    )
    expect(failure('--byzantine', '1.5', '--attack', 'scale')).toMatch(
      /^--byzantine must be a whole number.*, got 1\.5$/,
    )
    expect(failure('--byzantine=-1', '--attack', 'scale')).toMatch(
      /^--byzantine must be a whole number.*, got -1$/,
    )
    expect(failure('--byzantine', '-1', '--attack', 'scale')).toMatch(
      /^--byzantine must be a whole number.*, got -1$/,
    )
    expect(failure('--byzantine', '1')).toBe(
      '--byzantine needs --attack A: one of scale, sign-flip, noise, examples, label-flip, backdoor',
    )
    expect(failure('--byzantine', '1', '--attack', 'flood')).toBe(
      '--attack must be one of scale, sign-flip, noise, examples, label-flip, backdoor, got flood',
    )
    expect(failure('--attack', 'scale')).toBe('--attack needs --byzantine K (how many clients attack)')
    expect(failure('--aggregator', 'mean')).toBe(
      '--aggregator must be one of fedavg, median, trimmed-mean, krum, multi-krum, centered-clip, got mean',
    )
    expect(failure('--byzantine', '1', '--attack', 'scale', '--browser')).toMatch(
      /cannot be combined with --browser/,
    )
    expect(() => parseOptions(['market', '--byzantine', '1', '--attack', 'scale'])).toThrow(/trains no model/)
    expect(failure('--aggregator', 'median', '--encryption')).toMatch(/needs each update in the clear/)
    expect(failure('--aggregator', 'krum', '--privacy')).toMatch(/use fedavg with --privacy/)
    expect(parse('--aggregator', 'fedavg', '--encryption').aggregator).toBe('fedavg')
  })
})

describe('attacks on an update', () => {
  it('scale and sign-flip multiply the honest update, leaving it as it was', () => {
    const before = honest.slice()
    expect(attackDelta('scale', honest, seededRandom(1))).toEqual(honest.map((x) => x * 1e6))
    expect(attackDelta('sign-flip', honest, seededRandom(1))).toEqual(honest.map((x) => x * -10))
    expect(honest).toEqual(before)
  })

  it('noise is Gaussian with 100 times the honest norm, reproducible from its seed', () => {
    const noise = attackDelta('noise', honest, seededRandom(7))
    expect(l2(noise)).toBeCloseTo(100 * l2(honest), 2)
    expect(attackDelta('noise', honest, seededRandom(7))).toEqual(noise)
    expect(attackDelta('noise', honest, seededRandom(8))).not.toEqual(noise)
    // Unrelated to the honest update: about as many coordinates agree in sign as disagree.
    const agree = noise.filter((x, i) => Math.sign(x) === Math.sign(honest[i]!)).length
    expect(agree).toBeGreaterThan(16)
    expect(agree).toBeLessThan(48)
    // Centred, about unit variance once scaled back.
    const std = l2(noise) / Math.sqrt(noise.length)
    const mean = noise.reduce((s, x) => s + x, 0) / noise.length
    expect(Math.abs(mean)).toBeLessThan(0.4 * std)
    expect(attackDelta('noise', new Float32Array(4), seededRandom(1))).toEqual(new Float32Array(4))
  })

  it('data attacks send the trained update (the backdoor boosted by its factor)', () => {
    expect(attackDelta('examples', honest, seededRandom(1))).toEqual(honest)
    expect(attackDelta('label-flip', honest, seededRandom(1))).toEqual(honest)
    expect(attackDelta('backdoor', honest, seededRandom(1), 5)).toEqual(honest.map((x) => x * 5))
  })
})

const table = DataHandler.generate(GENERATORS.medical, 200, 3)
const { schema } = table
const label = schema.label.name

describe('attacks on the data', () => {
  it('label-flip moves every label to the other class', () => {
    const flipped = flipLabels(table.rows, schema)
    expect(flipped.every((r, i) => r[label] !== table.rows[i]![label])).toBe(true)
    expect(flipped.every((r, i) => r.glucose === table.rows[i]!.glucose)).toBe(true)
  })

  it('backdoor: the trigger is the first two features at their max, on about its share of rows', () => {
    expect(withTrigger(table.rows[0]!, schema)).toMatchObject({ age: 90, bmi: 55 })
    const poisoned = plantBackdoor(table.rows, schema, DEFAULT_BACKDOOR, seededRandom(2))
    const triggered = poisoned.filter((r) => r.age === 90 && r.bmi === 55)
    expect(triggered.length / poisoned.length).toBeGreaterThan(0.35)
    expect(triggered.length / poisoned.length).toBeLessThan(0.65)
    expect(triggered.every((r) => r[label] === 'no')).toBe(true)
    expect(plantBackdoor(table.rows, schema, DEFAULT_BACKDOOR, seededRandom(2))).toEqual(poisoned)
    const test = backdoorTestRows(table.rows, schema, DEFAULT_BACKDOOR)
    expect(test).toHaveLength(table.rows.filter((r) => r[label] === 'yes').length)
    expect(test.every((r) => r.age === 90 && r.bmi === 55 && r[label] === 'no')).toBe(true)
  })
})

/** An honest trainer that records what it was given and returns a fixed update. */
function fakeTrainer(): TrainerPort & { csv: string | null } {
  const fake = {
    backend: 'fake',
    csv: null as string | null,
    async loadCsv(source: Blob | string) {
      fake.csv = String(source)
      return { fatal: null } as unknown as Awaited<ReturnType<TrainerPort['loadCsv']>>
    },
    async prepare() {
      return { trainExamples: 160, testExamples: 40, classBalance: [0.6, 0.4] }
    },
    async train(_request: TrainRequest): Promise<TrainResult> {
      return {
        delta: honest.slice(),
        examples: 160,
        metrics: { loss: 0.5, accuracy: 0.8 } as TrainResult['metrics'],
        durationMs: 1,
      }
    },
    async evaluate() {
      return { examples: 40, lossSum: 1, confusion: [] } as unknown as Awaited<
        ReturnType<TrainerPort['evaluate']>
      >
    },
    async heldOutRow() {
      return null
    },
    async columnStatistics() {
      return []
    },
    dispose() {},
  }
  return fake
}

const task = { dataset: { kind: 'csv' } } as unknown as TaskInfo
const partition: Partition = { index: 0, seed: 0 }
const request = { weights: new Float32Array(64) } as unknown as TrainRequest
const signal = new AbortController().signal

describe('ByzantineTrainer', () => {
  it('examples: declares 1e9 training examples when joining and with every update', async () => {
    const trainer = new ByzantineTrainer(fakeTrainer(), { attack: 'examples', random: seededRandom(1) })
    expect((await trainer.prepare(task, partition)).trainExamples).toBe(DECLARED_EXAMPLES)
    const result = await trainer.train(request, () => {}, signal)
    expect(result.examples).toBe(1e9)
    expect(result.delta).toEqual(honest)
  })

  it('update attacks rewrite the delta and keep the honest count', async () => {
    const trainer = new ByzantineTrainer(fakeTrainer(), { attack: 'sign-flip', random: seededRandom(1) })
    expect((await trainer.prepare(task, partition)).trainExamples).toBe(160)
    const result = await trainer.train(request, () => {}, signal)
    expect(result).toMatchObject({ examples: 160, delta: honest.map((x) => x * -10) })
  })

  it('data attacks train on the poisoned CSV, and refuse a task without one', async () => {
    const inner = fakeTrainer()
    const trainer = new ByzantineTrainer(inner, { attack: 'label-flip', random: seededRandom(1) })
    await expect(trainer.prepare(task, partition)).rejects.toThrow(/load one first/)
    await trainer.loadCsv(DataHandler.toCsv(table), 'a.csv', schema, {}, () => {})
    const loaded = DataHandler.fromCsv('loaded', inner.csv!, schema).rows
    expect(loaded.map((r) => r[label])).toEqual(flipLabels(table.rows, schema).map((r) => r[label]))
    expect((await trainer.prepare(task, partition)).trainExamples).toBe(160)

    const backdoorInner = fakeTrainer()
    const backdoor = new ByzantineTrainer(backdoorInner, {
      attack: 'backdoor',
      random: seededRandom(1),
      backdoor: { ...DEFAULT_BACKDOOR, boost: 5 },
    })
    await backdoor.loadCsv(DataHandler.toCsv(table), 'a.csv', schema, {}, () => {})
    const rows = DataHandler.fromCsv('loaded', backdoorInner.csv!, schema).rows
    expect(rows.filter((r) => r.age === 90 && r.bmi === 55 && r[label] === 'no').length).toBeGreaterThan(60)
    expect((await backdoor.train(request, () => {}, signal)).delta).toEqual(honest.map((x) => x * 5))
  })

  it('the run makes its first K clients the attackers, each with its own seeded randomness', () => {
    const options = { byzantine: { count: 2, attack: 'noise' as const }, seed: 1, clients: 5 }
    expect([0, 1, 2, 3, 4].map((i) => attackerWrapper(options, i) !== undefined)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ])
    expect(attackerWrapper({ ...options, byzantine: null }, 0)).toBeUndefined()
  })
})

describe('per-round verdict counts', () => {
  it('are read from the verdicts a round record keeps, and left out otherwise', () => {
    expect(verdictCounts({ round: 1, participants: 3 })).toBeNull()
    const map = new Map<string, object>([
      ['a', { counted: true }],
      ['b', { counted: true, clipped: { from: 9, to: 3 } }],
      ['c', { counted: false, reason: 'norm', cause: 'over-bound' }],
    ])
    expect(verdictCounts({ verdicts: map })).toEqual({ accepted: 2, rejected: 1, clipped: 1 })
    expect(
      verdictCounts({ verdicts: [{ verdict: 'accepted' }, { verdict: 'clipped' }, { verdict: 'rejected' }] }),
    ).toEqual({ accepted: 2, rejected: 1, clipped: 1 })
    expect(verdictCounts({ verdicts: { x: { status: 'rejected' } } })).toEqual({
      accepted: 0,
      rejected: 1,
      clipped: 0,
    })
    expect(verdictCounts({ verdicts: [{ something: 1 }] })).toBeNull()
  })

  it('are read from the rounds recorded on the chain', () => {
    const tx = (type: string, payload: object) => ({ id: 'x', signature: 's', body: { type, payload } })
    const blocks = [
      { transactions: [tx('token.mint', { amount: 1 })] },
      {
        transactions: [
          tx('training.record-round', {
            taskId: 't',
            modelRound: 1,
            participants: [{ verdict: 'accepted' }, { verdict: 'clipped' }, { verdict: 'rejected' }],
          }),
          tx('training.record-round', { taskId: 'other', modelRound: 1, participants: [] }),
          // Encrypted rounds record no verdicts: left out.
          tx('training.record-round', { taskId: 't', modelRound: 2, participants: [{ weight: 3 }] }),
        ],
      },
    ] as unknown as Block[]
    expect([...chainVerdictCounts(blocks, 't')]).toEqual([[1, { accepted: 2, rejected: 1, clipped: 1 }]])
  })
})

describe('privx federated with an attacker', () => {
  it('--byzantine 1 --attack examples --json exits 0 and its summary names the attack', () => {
    const run = spawnSync(
      join('node_modules', '.bin', 'tsx'),
      [
        'cli/privx.ts',
        'federated',
        '--clients',
        '3',
        '--rounds',
        '2',
        '--byzantine',
        '1',
        '--attack',
        'examples',
        '--json',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    )
    expect(run.status, run.stderr).toBe(0)
    const summary = JSON.parse(run.stdout) as {
      aggregator: string
      byzantine: number
      attack: { attack: string; clients: string[]; backdoor: unknown }
      rounds: { examples: number; accepted?: number; rejected?: number }[]
    }
    expect(summary.attack).toEqual({ attack: 'examples', clients: ['client-1'], backdoor: null })
    expect(summary.byzantine).toBe(1)
    expect(summary.aggregator).toBe('multi-krum')
    expect(summary.rounds).toHaveLength(2)
    // The attacker's declared count reached the coordinator through the real session.
    expect(summary.rounds[0]!.examples).toBeGreaterThan(1e9)
    // Every update gets a verdict on the chain (the declared count buys no more than the weight cap).
    for (const round of summary.rounds) expect(round.accepted! + round.rejected!).toBe(3)
    expect(run.stderr).toMatch(/attack: 1 of 3 clients malicious \(examples\)/)
  })
})
