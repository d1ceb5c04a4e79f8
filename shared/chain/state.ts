import { EMPTY_MARKET, type MarketState } from '../market/types'
import type { Address } from './keys'
import { RoundLog } from './round-log'

export {
  REJECT_REASONS,
  type RejectReason,
  type RoundParticipant,
  SLASHABLE_REASONS,
  type Slash,
  type TrainingRound,
  UPDATE_VERDICTS,
  type UpdateVerdict,
} from './training-round'

export interface Account {
  /** Whole token units; never negative. */
  readonly balance: number
  /** Transactions this account has had applied: the next one must carry exactly this nonce. */
  readonly nonce: number
  readonly faucetClaimed: boolean
}

export interface TrainingTask {
  readonly taskId: string
  readonly name: string
  readonly configHash: string
  /** Tokens held for rewards, paid out per recorded round; slashed stakes land here. */
  readonly escrow: number
  readonly rounds: number
  /**
   * Tokens a participant locks (`training.stake`) to be paid in this task. Absent (every task registered before
   * stakes, or registered with 0): no stake, and every counted participant is paid.
   */
  readonly stake?: number
  /** Percent of a stake one slashing verdict forfeits (of the stake locked, at most what is still held). */
  readonly slashPercent?: number
  /** The record number whose recording ends the task (stakes released); absent: only `training.finish-task`. */
  readonly lastRound?: number
  /** The stake ledger by owner; absent until the first stake. */
  readonly stakes?: Readonly<Record<Address, Stake>>
  /** Set once the task ended: no stake, round record or funding after it. Absent while it runs. */
  readonly finished?: true
}

/**
 * One participant's stake in one task. Always `held + slashed + (released ?? 0) === amount`: tokens leave the
 * stake either as slashes (to the task's escrow, in parts) or once, as the release of what is left to its owner.
 */
export interface Stake {
  /** Tokens locked by `training.stake`. */
  readonly amount: number
  /** Tokens still locked. */
  readonly held: number
  /** Tokens forfeited to the task's escrow, over every slash. */
  readonly slashed: number
  /** Tokens returned to the owner when the task ended (set exactly once); null while the task runs. */
  readonly released: number | null
}

/**
 * Everything the contracts maintain, replayed from genesis. Plain JSON but for the round log (which serializes as
 * its array), committed to by the state root (see stateRootOf in block.ts).
 * Record keys are addresses (px + 40 hex) and validated task ids, so no key can reach an object prototype.
 */
export interface ChainState {
  readonly chainId: string
  /** The coordinator's address, set by the genesis transaction; it alone produces blocks and records rounds. */
  readonly producer: Address | null
  readonly faucetAmount: number
  readonly accounts: Readonly<Record<Address, Account>>
  readonly supply: { readonly minted: number; readonly burned: number }
  readonly tasks: Readonly<Record<string, TrainingTask>>
  /** Every training record, oldest first: an append-only log that does not copy history (issue 17). */
  readonly rounds: RoundLog
  /**
   * The data market (the market contract's state). Absent until the first market transaction, so the state roots
   * of chains written before the market existed still verify.
   */
  readonly market?: MarketState
}

export function emptyState(chainId: string): ChainState {
  return {
    chainId,
    producer: null,
    faucetAmount: 0,
    accounts: {},
    supply: { minted: 0, burned: 0 },
    tasks: {},
    rounds: RoundLog.EMPTY,
  }
}

export const NEW_ACCOUNT: Account = { balance: 0, nonce: 0, faucetClaimed: false }

export function accountOf(state: ChainState, address: Address): Account {
  return Object.hasOwn(state.accounts, address) ? state.accounts[address]! : NEW_ACCOUNT
}

export function withAccount(state: ChainState, address: Address, account: Account): ChainState {
  return { ...state, accounts: { ...state.accounts, [address]: account } }
}

export function marketOf(state: ChainState): MarketState {
  return state.market ?? EMPTY_MARKET
}

/** Tokens still locked in a task's stakes. */
export function stakedIn(task: TrainingTask): number {
  return Object.values(task.stakes ?? {}).reduce((s, x) => s + x.held, 0)
}

/** Tokens in accounts, task escrows, task stakes and purchase escrows: always minted - burned. */
export function circulating(state: ChainState): number {
  const accounts = Object.values(state.accounts).reduce((s, a) => s + a.balance, 0)
  const escrow = Object.values(state.tasks).reduce((s, t) => s + t.escrow + stakedIn(t), 0)
  const held = Object.values(marketOf(state).purchases).reduce((s, p) => s + p.escrow, 0)
  return accounts + escrow + held
}
