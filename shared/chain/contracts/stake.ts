import { fail, ok, type Result } from '../../result'
import type { Address } from '../keys'
import {
  accountOf,
  type ChainState,
  type RoundParticipant,
  SLASHABLE_REASONS,
  type Slash,
  type Stake,
  type TrainingTask,
  withAccount,
} from '../state'

/** The percent of its stake a participant forfeits per slashing verdict, unless the task sets another. */
export const SLASH_PERCENT = 50

/** The task with this id, or a refusal naming it; `running` also refuses a finished task. */
export function taskOf(state: ChainState, taskId: string, running: boolean): Result<TrainingTask> {
  if (!Object.hasOwn(state.tasks, taskId)) return fail('bad-payload', `no task ${taskId}`)
  const task = state.tasks[taskId]!
  if (running && task.finished) return fail('invalid-state', `task ${taskId} is finished`)
  return ok(task)
}

export const withTask = (state: ChainState, task: TrainingTask): ChainState => ({
  ...state,
  tasks: { ...state.tasks, [task.taskId]: task },
})

function stakeOf(task: TrainingTask, address: Address): Stake | null {
  return task.stakes && Object.hasOwn(task.stakes, address) ? task.stakes[address]! : null
}

/**
 * What `address` still has locked in task `taskId` (0: never staked, slashed to nothing, or released). A task that
 * asks a stake (`task.stake > 0`) pays only participants for whom this is above 0, so the coordinator checks it
 * when a tab joins.
 */
export function heldStake(state: ChainState, taskId: string, address: Address): number {
  if (!Object.hasOwn(state.tasks, taskId)) return 0
  return stakeOf(state.tasks[taskId]!, address)?.held ?? 0
}

/**
 * `training.stake`: moves the task's stake from `from`'s balance into the task's stake ledger. Refused when the
 * task is unknown, finished or asks no stake, when `from` has staked in it before (a stake is locked once per task,
 * even after it was slashed to nothing), and when the balance is short.
 */
export function lockStake(state: ChainState, from: Address, taskId: string): Result<ChainState> {
  const found = taskOf(state, taskId, true)
  if (!found.ok) return found
  const task = found.value
  const amount = task.stake ?? 0
  if (amount === 0) return fail('invalid-state', `task ${taskId} asks no stake`)
  if (stakeOf(task, from)) return fail('duplicate-update', `${from} has already staked in task ${taskId}`)
  const account = accountOf(state, from)
  if (account.balance < amount)
    return fail(
      'insufficient-funds',
      `${from} has ${account.balance}; task ${taskId} asks a stake of ${amount}`,
    )
  const debited = withAccount(state, from, { ...account, balance: account.balance - amount })
  const stake: Stake = { amount, held: amount, slashed: 0, released: null }
  return ok(withTask(debited, { ...task, stakes: { ...task.stakes, [from]: stake } }))
}

/**
 * Whether a participant is paid for its update: its verdict counts it (accepted or clipped; no verdict is an
 * accepted update of a record from before verdicts) and, in a task that asks a stake, its stake is still held
 * (locked and not slashed to nothing) when the round is recorded.
 */
export function isPaid(task: TrainingTask, p: RoundParticipant): boolean {
  if (p.verdict === 'rejected') return false
  if (!task.stake) return true
  return (stakeOf(task, p.address)?.held ?? 0) > 0
}

/**
 * The slashes of one round: each participant rejected for a slashable reason (`SLASHABLE_REASONS`) forfeits
 * `ceil(amount * slashPercent / 100)` of its stake, at most what is still held, once per round however often it
 * appears; the tokens move from the stake ledger to the task's escrow. A participant without a held stake forfeits
 * nothing and gets no slash record.
 */
export function slashRound(
  task: TrainingTask,
  round: number,
  participants: readonly RoundParticipant[],
): { task: TrainingTask; slashes: Slash[] } {
  if (!task.stakes) return { task, slashes: [] }
  const percent = task.slashPercent ?? SLASH_PERCENT
  const stakes: Record<Address, Stake> = { ...task.stakes }
  const slashes: Slash[] = []
  const seen = new Set<Address>()
  for (const p of participants) {
    if (p.verdict !== 'rejected' || !p.reason || !SLASHABLE_REASONS.includes(p.reason)) continue
    if (seen.has(p.address) || !Object.hasOwn(stakes, p.address)) continue
    seen.add(p.address)
    const stake = stakes[p.address]!
    const amount = Math.min(stake.held, Math.ceil((stake.amount * percent) / 100))
    if (amount === 0) continue
    stakes[p.address] = { ...stake, held: stake.held - amount, slashed: stake.slashed + amount }
    slashes.push({ round, address: p.address, amount, reason: p.reason })
  }
  const forfeited = slashes.reduce((s, x) => s + x.amount, 0)
  return { task: { ...task, stakes, escrow: task.escrow + forfeited }, slashes }
}

/**
 * Ends a task: every stake still held goes back to its owner, exactly once (its `released` is set, its `held`
 * zeroed), and the task is marked finished. The escrow stays where it is (the market's `finish-training` pays
 * what is left of a bought task to its provider).
 */
export function finishTask(state: ChainState, task: TrainingTask): ChainState {
  let next = state
  const stakes: Record<Address, Stake> = {}
  for (const [address, stake] of Object.entries(task.stakes ?? {})) {
    if (stake.released !== null) {
      stakes[address] = stake
      continue
    }
    stakes[address] = { ...stake, held: 0, released: stake.held }
    const account = accountOf(next, address)
    next = withAccount(next, address, { ...account, balance: account.balance + stake.held })
  }
  return withTask(next, { ...task, ...(task.stakes ? { stakes } : {}), finished: true })
}

/** A participant's stake in one task as a peer sees it: what the task asks, and what this account locked. */
export interface StakeView {
  readonly taskId: string
  /** Tokens the task asks each participant to lock (0: none). */
  readonly asked: number
  /** This account's stake, or null when it has not staked in this task. */
  readonly stake: Stake | null
  /** Whether the task has ended on the chain (stakes returned; nothing more is staked or recorded). */
  readonly finished: boolean
}

export function stakeView(state: ChainState, taskId: string, address: Address): StakeView | null {
  if (!Object.hasOwn(state.tasks, taskId)) return null
  const task = state.tasks[taskId]!
  return { taskId, asked: task.stake ?? 0, stake: stakeOf(task, address), finished: task.finished === true }
}

/**
 * Why `address` may not join task `taskId` now, or null when it may: a task that asks a stake admits only
 * accounts whose stake is locked and not slashed to nothing, while it runs on the chain. A task the chain does not
 * know (not registered) asks nothing.
 */
export function joinProblem(state: ChainState, taskId: string, address: Address): string | null {
  const view = stakeView(state, taskId, address)
  if (!view || view.asked === 0) return null
  if (view.finished)
    return `task ${taskId} has ended on the chain: its stakes were returned and it takes no one`
  const { stake } = view
  if (!stake) {
    const balance = accountOf(state, address).balance
    return `task ${taskId} asks a stake of ${view.asked} tokens before joining: send training.stake {"taskId":"${taskId}"} from ${address} (balance ${balance})`
  }
  if (stake.held === 0)
    return `${address}'s stake in task ${taskId} was slashed to nothing (${stake.slashed} tokens forfeited for broken updates): it cannot join again`
  return null
}

/** A task's stakes in sum, for the explorer: tokens asked per participant, accounts staked, tokens slashed and held. */
export interface StakeSummary {
  readonly asked: number
  readonly accounts: number
  readonly held: number
  readonly slashed: number
}

export function stakeSummary(task: TrainingTask): StakeSummary | null {
  if (!task.stake) return null
  const stakes = Object.values(task.stakes ?? {})
  return {
    asked: task.stake,
    accounts: stakes.length,
    held: stakes.reduce((sum, s) => sum + s.held, 0),
    slashed: stakes.reduce((sum, s) => sum + s.slashed, 0),
  }
}
