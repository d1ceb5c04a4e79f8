import { z } from 'zod'
import { addressSchema, chainTaskIdSchema as taskId } from '../../ids'
import { parsePayload } from '../../parse'
import { fail, ok } from '../../result'
import type { Json } from '../encoding'
import { accountOf, type TrainingRound, withAccount } from '../state'
import { amountSchema } from './amount'
import type { Contract } from './contract'

const hash = z.string().regex(/^[0-9a-f]{64}$|^r\d+-[0-9a-f]{12}$/, 'a SHA-256 hex digest or a model version')
const json = z.custom<Json>(() => true)

const registerSchema = z.object({ taskId, name: z.string().min(1).max(200), configHash: hash })
const fundSchema = z.object({ taskId, amount: amountSchema })
const recordSchema = z.object({
  taskId,
  /** The chain's sequence number of this task's records: one more than the last. */
  round: z.int().min(1),
  /** The round number of the new model in the coordinator's run (restarts from 1 after a reset). */
  modelRound: z.int().min(0),
  modelBefore: hash,
  modelAfter: hash,
  participants: z
    .array(z.object({ address: addressSchema, updateHash: hash, examples: z.int().min(1).max(1e12) }))
    .min(1)
    .max(10_000),
  metrics: json,
  privacy: json,
  homomorphic: z.boolean(),
  /**
   * Tokens per training example, paid from the task's escrow; may be fractional (a bought training task spreads its
   * price over rounds and rows). Each participant's payment is floored to whole tokens.
   */
  rewardPerExample: z.number().min(0).max(1e9),
})

/**
 * Training records: `training.register-task` (producer), `training.fund` (anyone: tokens into the task's escrow),
 * `training.record-round` (producer): model hashes before and after, participants with their update hashes and
 * example counts, metrics, privacy, HE; pays rewardPerExample per example from escrow, pro rata (floored) when the
 * escrow cannot cover it all, the remainder staying in escrow.
 */
export const trainingContract: Contract = {
  prefix: 'training',
  apply(state, tx) {
    switch (tx.type) {
      case 'training.register-task': {
        if (tx.from !== state.producer) return fail('forbidden', 'only the producer registers tasks')
        const p = parsePayload(registerSchema, tx.payload, 'task registration')
        if (!p.ok) return p
        if (Object.hasOwn(state.tasks, p.value.taskId))
          return fail('bad-payload', `task ${p.value.taskId} is already registered`)
        const task = { ...p.value, escrow: 0, rounds: 0 }
        return ok({ ...state, tasks: { ...state.tasks, [p.value.taskId]: task } })
      }
      case 'training.fund': {
        const p = parsePayload(fundSchema, tx.payload, 'funding')
        if (!p.ok) return p
        if (!Object.hasOwn(state.tasks, p.value.taskId))
          return fail('bad-payload', `no task ${p.value.taskId}`)
        const sender = accountOf(state, tx.from)
        if (sender.balance < p.value.amount)
          return fail('insufficient-funds', `${tx.from} has ${sender.balance}, cannot fund ${p.value.amount}`)
        const task = state.tasks[p.value.taskId]!
        const debited = withAccount(state, tx.from, { ...sender, balance: sender.balance - p.value.amount })
        return ok({
          ...debited,
          tasks: { ...debited.tasks, [task.taskId]: { ...task, escrow: task.escrow + p.value.amount } },
        })
      }
      case 'training.record-round': {
        if (tx.from !== state.producer) return fail('forbidden', 'only the producer records rounds')
        const p = parsePayload(recordSchema, tx.payload, 'round record')
        if (!p.ok) return p
        const r = p.value
        if (!Object.hasOwn(state.tasks, r.taskId)) return fail('bad-payload', `no task ${r.taskId}`)
        const task = state.tasks[r.taskId]!
        if (r.round !== task.rounds + 1) {
          return fail(
            'bad-payload',
            `task ${r.taskId} has ${task.rounds} records; the next is ${task.rounds + 1}, not ${r.round}`,
          )
        }
        const examples = r.participants.reduce((s, x) => s + x.examples, 0)
        const owed = examples * r.rewardPerExample
        const payable = Math.min(owed, task.escrow)
        let next = state
        const rewards: { address: string; amount: number }[] = []
        for (const participant of r.participants) {
          const amount = owed === 0 ? 0 : Math.floor((payable * participant.examples) / examples)
          rewards.push({ address: participant.address, amount })
          const account = accountOf(next, participant.address)
          next = withAccount(next, participant.address, { ...account, balance: account.balance + amount })
        }
        const paid = rewards.reduce((s, x) => s + x.amount, 0)
        const record: TrainingRound = {
          taskId: r.taskId,
          round: r.round,
          modelRound: r.modelRound,
          modelBefore: r.modelBefore,
          modelAfter: r.modelAfter,
          participants: r.participants,
          metrics: r.metrics,
          privacy: r.privacy,
          homomorphic: r.homomorphic,
          rewards,
        }
        return ok({
          ...next,
          tasks: { ...next.tasks, [r.taskId]: { ...task, escrow: task.escrow - paid, rounds: r.round } },
          rounds: [...next.rounds, record],
        })
      }
      default:
        return fail('bad-payload', `unknown transaction type ${tx.type}`)
    }
  },
}
