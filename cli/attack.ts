import {
  type Attack,
  ByzantineTrainer,
  backdoorTestRows,
  DEFAULT_BACKDOOR,
} from '../client/headless/byzantine-trainer'
import type { TrainerPort } from '../client/training/trainer-port'
import type { Block } from '../shared/chain/block'
import { DataHandler, type Table } from '../shared/data/data-handler'
import type { TaskInfo } from '../shared/protocol'
import { seededRandom } from '../shared/random'
import { scoreOnHeldOut } from './centralized'
import type { RunOptions } from './options'

/** What a run says about its simulated attack. */
export interface AttackSummary {
  readonly attack: Attack
  /** The malicious clients (the first `byzantine.count` of the run). */
  readonly clients: readonly string[]
  /** For `backdoor`: the trigger, the target class and how often the final global model obeys the trigger. */
  readonly backdoor: {
    readonly trigger: readonly string[]
    readonly targetClass: string
    /** Share of the attacker's rows poisoned. */
    readonly share: number
    /** Held-out rows of another class, with the trigger, that the final model puts in the target class. */
    readonly successRate: number | null
    readonly rows: number
  } | null
}

/**
 * The trainer wrapper of client `index` (0-based) in a run with `--byzantine K --attack A`: the first K clients are
 * malicious, each with its own seeded randomness; undefined for an honest client.
 */
export function attackerWrapper(
  options: Pick<RunOptions, 'byzantine' | 'seed' | 'clients'>,
  index: number,
): ((trainer: TrainerPort) => TrainerPort) | undefined {
  const byzantine = options.byzantine
  if (!byzantine || index >= byzantine.count) return undefined
  const random = seededRandom(options.seed * 1009 + 7919 + index)
  // The backdoor replaces the model: its update is boosted by the number of participants.
  const backdoor = { ...DEFAULT_BACKDOOR, boost: options.clients }
  return (trainer) => new ByzantineTrainer(trainer, { attack: byzantine.attack, random, backdoor })
}

/**
 * The backdoor's success rate with `weights`: the share of held-out rows whose true class is not the target that,
 * once carrying the trigger, the model assigns to the target class. Null when no such row exists.
 */
export async function backdoorSuccess(
  task: TaskInfo,
  test: Table,
  weights: Float32Array,
): Promise<{ successRate: number | null; rows: number }> {
  const rows = backdoorTestRows(test.rows, test.schema, DEFAULT_BACKDOOR)
  if (rows.length === 0) return { successRate: null, rows: 0 }
  const score = await scoreOnHeldOut(task, DataHandler.toCsv({ schema: test.schema, rows }), weights)
  return { successRate: score.accuracy, rows: score.examples }
}

/** The backdoor's description, as the summary gives it. */
export function backdoorDescription(
  schema: Table['schema'],
): Pick<NonNullable<AttackSummary['backdoor']>, 'trigger' | 'targetClass' | 'share'> {
  return {
    trigger: schema.features.slice(0, 2).map((c) => `${c.name}=max`),
    targetClass: schema.label.classes[DEFAULT_BACKDOOR.targetClass]!,
    share: DEFAULT_BACKDOOR.share,
  }
}

/**
 * Accepted (of which clipped) and rejected updates of one round, from the per-update verdicts of its record when the coordinator
 * keeps them (`verdicts`: a list, map or record of `{ counted }` or of an accepted / clipped / rejected word).
 * Null when the record has none, or none this reader knows: the summary then leaves the counts out.
 */
export function verdictCounts(
  record: object,
): { accepted: number; rejected: number; clipped: number } | null {
  const raw: unknown = (record as { verdicts?: unknown }).verdicts
  const list: unknown[] | null = Array.isArray(raw)
    ? raw
    : raw instanceof Map
      ? [...raw.values()]
      : raw !== null && typeof raw === 'object'
        ? Object.values(raw)
        : null
  if (list === null) return null
  let accepted = 0
  let rejected = 0
  let clipped = 0
  for (const entry of list) {
    const counted = isCounted(entry)
    if (counted === null) return null
    if (counted) accepted++
    else rejected++
    if (counted && isClipped(entry)) clipped++
  }
  return { accepted, rejected, clipped }
}

/** A counted update scaled down to the norm bound (`clipped: { from, to }`, or the word clipped). */
function isClipped(entry: unknown): boolean {
  const fields = entry as Record<string, unknown>
  if (fields.clipped !== undefined && fields.clipped !== null && fields.clipped !== false) return true
  return ['verdict', 'status', 'outcome', 'kind'].some((key) => fields[key] === 'clipped')
}

export type VerdictCounts = NonNullable<ReturnType<typeof verdictCounts>>

/**
 * Per-round verdict counts from the chain: each `training.record-round` transaction of `taskId` lists its
 * participants with the verdict the round's rule gave their update (plaintext rounds). Keyed by model round; a round
 * whose participants carry no verdict is left out.
 */
export function chainVerdictCounts(blocks: readonly Block[], taskId: string): Map<number, VerdictCounts> {
  const counts = new Map<number, VerdictCounts>()
  for (const block of blocks) {
    for (const tx of block.transactions) {
      if (tx.body.type !== 'training.record-round') continue
      const payload = tx.body.payload as { taskId?: unknown; modelRound?: unknown; participants?: unknown }
      if (payload.taskId !== taskId || typeof payload.modelRound !== 'number') continue
      const round = verdictCounts({ verdicts: payload.participants })
      if (round) counts.set(payload.modelRound, round)
    }
  }
  return counts
}

const ACCEPTED_WORDS = new Set(['accepted', 'clipped', 'counted'])
const REJECTED_WORDS = new Set(['rejected', 'excluded', 'dropped'])

function isCounted(entry: unknown): boolean | null {
  if (entry === null || typeof entry !== 'object') return null
  const fields = entry as Record<string, unknown>
  if (typeof fields.counted === 'boolean') return fields.counted
  if (typeof fields.accepted === 'boolean') return fields.accepted
  for (const key of ['verdict', 'status', 'outcome', 'kind']) {
    const word = fields[key]
    if (typeof word === 'string' && ACCEPTED_WORDS.has(word)) return true
    if (typeof word === 'string' && REJECTED_WORDS.has(word)) return false
    if (word !== null && typeof word === 'object') return isCounted(word)
  }
  return null
}
