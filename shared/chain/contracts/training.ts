import { z } from 'zod'
import { addressSchema, chainTaskIdSchema as taskId } from '../../ids'
import { parsePayload } from '../../parse'
import { fail, ok } from '../../result'
import type { Json } from '../encoding'
import {
  accountOf,
  REJECT_REASONS,
  type RoundParticipant,
  type TrainingRound,
  type TrainingTask,
  UPDATE_VERDICTS,
  withAccount,
} from '../state'
import { amountSchema } from './amount'
import type { Contract } from './contract'
import { finishTask, isPaid, lockStake, slashRound, taskOf, withTask } from './stake'

const hash = z.string().regex(/^[0-9a-f]{64}$|^r\d+-[0-9a-f]{12}$/, 'a SHA-256 hex digest or a model version')
const json = z.custom<Json>(() => true)

const registerSchema = z.object({
  taskId,
  name: z.string().min(1).max(200),
  configHash: hash,
  /** Tokens each participant locks to be paid (`training.stake`); 0 or absent: none. */
  stake: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Percent of the stake one slashing verdict forfeits; absent: `SLASH_PERCENT`. Only with a stake. */
  slashPercent: z.int().min(1).max(100).optional(),
  /** The record number whose recording ends the task; absent: it ends with `training.finish-task`. */
  lastRound: z.int().min(1).optional(),
})
const fundSchema = z.object({ taskId, amount: amountSchema })
const taskRef = z.object({ taskId })
const participantSchema = z
  .object({
    address: addressSchema,
    updateHash: hash,
    examples: z.int().min(1).max(1e12),
    verdict: z.enum(UPDATE_VERDICTS).optional(),
    reason: z.enum(REJECT_REASONS).optional(),
    weight: z.number().min(0).max(1e12).optional(),
    score: z.number().min(0).max(1).optional(),
  })
  .refine((p) => (p.verdict === 'rejected') === (p.reason !== undefined), {
    message: 'a rejected update carries its reason, and only a rejected one',
    path: ['reason'],
  })
  .refine((p) => p.weight === undefined || p.weight <= p.examples, {
    message: 'the capped weight cannot exceed the declared examples',
    path: ['weight'],
  })
const recordSchema = z.object({
  taskId,
  /** The chain's sequence number of this task's records: one more than the last. */
  round: z.int().min(1),
  /** The round number of the new model in the coordinator's run (restarts from 1 after a reset). */
  modelRound: z.int().min(0),
  /** The coordinator's run (one more after each reset); absent on records from before runs. */
  run: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  modelBefore: hash,
  modelAfter: hash,
  participants: z.array(participantSchema).min(1).max(10_000),
  metrics: json,
  privacy: json,
  homomorphic: z.boolean(),
  /**
   * Tokens per training example, paid from the task's escrow; may be fractional (a bought training task spreads its
   * price over rounds and rows). Each participant's payment is floored to whole tokens.
   */
  rewardPerExample: z.number().min(0).max(1e9),
})

/** The participant as parsed, with only the keys it carried (so old records hash as they always did). */
function participantOf(p: z.infer<typeof participantSchema>): RoundParticipant {
  return {
    address: p.address,
    updateHash: p.updateHash,
    examples: p.examples,
    ...(p.verdict === undefined ? {} : { verdict: p.verdict }),
    ...(p.reason === undefined ? {} : { reason: p.reason }),
    ...(p.weight === undefined ? {} : { weight: p.weight }),
    ...(p.score === undefined ? {} : { score: p.score }),
  }
}

/**
 * What a participant's update is worth, in examples: its capped weight (else its declared examples) times its
 * score (else 1); 0 when it is not paid (`isPaid`).
 */
function unitsOf(task: TrainingTask, p: RoundParticipant): number {
  if (!isPaid(task, p)) return 0
  const weight = p.weight ?? p.examples
  return p.score === undefined ? weight : weight * p.score
}

/**
 * The rewards of one round: `rewardPerExample` per unit (`unitsOf`), floored, from the escrow; pro rata (floored)
 * when the escrow cannot cover it all. One entry per participant, in order, 0 for those not paid. For a record without
 * verdicts, weights or scores in a task without a stake this is exactly the rule from before those existed.
 */
function rewardsOf(
  task: TrainingTask,
  participants: readonly RoundParticipant[],
  rewardPerExample: number,
): { address: string; amount: number }[] {
  const units = participants.map((p) => unitsOf(task, p))
  const total = units.reduce((s, u) => s + u, 0)
  const owed = total * rewardPerExample
  const payable = Math.min(owed, task.escrow)
  // Records with weights or scores pay floor(units x rewardPerExample) when the escrow covers the round (no float
  // noise from scaling by payable / total); records from before them keep the formula they were replayed with.
  const direct =
    owed <= task.escrow && participants.some((p) => p.weight !== undefined || p.score !== undefined)
  const rewards = participants.map((p, i) => ({
    address: p.address,
    amount:
      owed === 0
        ? 0
        : direct
          ? Math.floor(units[i]! * rewardPerExample)
          : Math.floor((payable * units[i]!) / total),
  }))
  // Floating rounding (weights and scores are fractional) must never pay out more than the escrow holds: trim the
  // largest payments, the first of equals first. Never the case for whole example counts.
  let excess = rewards.reduce((s, x) => s + x.amount, 0) - task.escrow
  while (excess > 0) {
    const top = rewards.reduce((best, x, i) => (x.amount > rewards[best]!.amount ? i : best), 0)
    rewards[top] = { ...rewards[top]!, amount: rewards[top]!.amount - 1 }
    excess -= 1
  }
  return rewards
}

/**
 * Training records, stakes and slashing.
 * - `training.register-task` (producer): {taskId, name, configHash, stake?, slashPercent?, lastRound?}. A stake
 *   above 0 makes staking the condition of being paid; `slashPercent` (default `SLASH_PERCENT`) is the share of
 *   the stake one slashing verdict forfeits; `lastRound` ends the task when that record is written.
 * - `training.fund` (anyone): tokens from the sender into the task's escrow, while the task runs.
 * - `training.stake` (a participant): {taskId}; the task's stake moves from the sender into the task's stake
 *   ledger, once per participant and task (see `lockStake`).
 * - `training.record-round` (producer): model hashes before and after, participants with their update hashes,
 *   declared examples and optionally their verdict (accepted, clipped, rejected with a reason), capped weight and
 *   contribution score; metrics, privacy, HE. In order: slashes (`slashRound`: rejected as broken or out of
 *   bounds forfeits a share of the stake to the escrow, recorded in `slashes` with round, address, amount and
 *   reason), then rewards (`rewardsOf`: only counted, staked participants, by weight x score, else by examples),
 *   then, on the task's `lastRound`, the end of the task.
 * - `training.finish-task` (producer): {taskId}; ends the task. Ending a task (this, its last record, or the
 *   market's `finish-training` of a task with a stake) releases every stake still held to its owner, exactly once;
 *   nothing is staked, funded or recorded in it afterwards.
 * Every field added with stakes is optional and written only when used, so chains from before replay to the same
 * state roots. Invariants (property-tested): supply conserved, no balance, escrow or stake negative, and for each
 * stake held + slashed + released = amount, released set once.
 */
export const trainingContract: Contract = {
  prefix: 'training',
  apply(state, tx) {
    switch (tx.type) {
      case 'training.register-task': {
        if (tx.from !== state.producer) return fail('forbidden', 'only the producer registers tasks')
        const p = parsePayload(registerSchema, tx.payload, 'task registration')
        if (!p.ok) return p
        const { taskId, name, configHash, stake, slashPercent, lastRound } = p.value
        if (Object.hasOwn(state.tasks, taskId))
          return fail('bad-payload', `task ${taskId} is already registered`)
        if (slashPercent !== undefined && !stake)
          return fail('bad-payload', 'slashPercent: only a task that asks a stake slashes it')
        const task: TrainingTask = {
          taskId,
          name,
          configHash,
          escrow: 0,
          rounds: 0,
          ...(stake ? { stake } : {}),
          ...(stake && slashPercent !== undefined ? { slashPercent } : {}),
          ...(lastRound === undefined ? {} : { lastRound }),
        }
        return ok(withTask(state, task))
      }
      case 'training.fund': {
        const p = parsePayload(fundSchema, tx.payload, 'funding')
        if (!p.ok) return p
        const found = taskOf(state, p.value.taskId, true)
        if (!found.ok) return found
        const sender = accountOf(state, tx.from)
        if (sender.balance < p.value.amount)
          return fail('insufficient-funds', `${tx.from} has ${sender.balance}, cannot fund ${p.value.amount}`)
        const debited = withAccount(state, tx.from, { ...sender, balance: sender.balance - p.value.amount })
        return ok(withTask(debited, { ...found.value, escrow: found.value.escrow + p.value.amount }))
      }
      case 'training.stake': {
        const p = parsePayload(taskRef, tx.payload, 'stake')
        if (!p.ok) return p
        return lockStake(state, tx.from, p.value.taskId)
      }
      case 'training.finish-task': {
        if (tx.from !== state.producer) return fail('forbidden', 'only the producer finishes tasks')
        const p = parsePayload(taskRef, tx.payload, 'task finish')
        if (!p.ok) return p
        const found = taskOf(state, p.value.taskId, true)
        return found.ok ? ok(finishTask(state, found.value)) : found
      }
      case 'training.record-round': {
        if (tx.from !== state.producer) return fail('forbidden', 'only the producer records rounds')
        const p = parsePayload(recordSchema, tx.payload, 'round record')
        if (!p.ok) return p
        const r = p.value
        const found = taskOf(state, r.taskId, true)
        if (!found.ok) return found
        const before = found.value
        if (r.round !== before.rounds + 1) {
          return fail(
            'bad-payload',
            `task ${r.taskId} has ${before.rounds} records; the next is ${before.rounds + 1}, not ${r.round}`,
          )
        }
        const participants = r.participants.map(participantOf)
        const { task, slashes } = slashRound(before, r.round, participants)
        // Who is paid is decided on the stakes as they stood before this round's slashes (a slashed update is
        // rejected, so it is not paid either way).
        const rewards = rewardsOf({ ...task, stakes: before.stakes }, participants, r.rewardPerExample)
        let next = state
        for (const reward of rewards) {
          // Every participant gets an account, even one paid nothing, as before stakes (same state roots).
          const account = accountOf(next, reward.address)
          next = withAccount(next, reward.address, { ...account, balance: account.balance + reward.amount })
        }
        const paid = rewards.reduce((s, x) => s + x.amount, 0)
        const ends = task.lastRound === r.round
        const record: TrainingRound = {
          taskId: r.taskId,
          round: r.round,
          modelRound: r.modelRound,
          ...(r.run === undefined ? {} : { run: r.run }),
          modelBefore: r.modelBefore,
          modelAfter: r.modelAfter,
          participants,
          metrics: r.metrics,
          privacy: r.privacy,
          homomorphic: r.homomorphic,
          rewards,
          ...(slashes.length ? { slashes } : {}),
          ...(ends ? { finished: true as const } : {}),
        }
        const recorded = { ...task, escrow: task.escrow - paid, rounds: r.round }
        const written = { ...withTask(next, recorded), rounds: next.rounds.append(record) }
        return ok(ends ? finishTask(written, recorded) : written)
      }
      default:
        return fail('bad-payload', `unknown transaction type ${tx.type}`)
    }
  },
}
