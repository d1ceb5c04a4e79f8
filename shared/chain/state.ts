import { EMPTY_MARKET, type MarketState } from '../market/types'
import type { Json } from './encoding'
import type { Address } from './keys'

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
  /** Tokens held for rewards, paid out per recorded round. */
  readonly escrow: number
  readonly rounds: number
}

export interface RoundParticipant {
  readonly address: Address
  readonly updateHash: string
  readonly examples: number
}

export interface TrainingRound {
  readonly taskId: string
  /** The chain's sequence number of this task's records. */
  readonly round: number
  /** The new model's round in the coordinator's run. */
  readonly modelRound: number
  readonly modelBefore: string
  readonly modelAfter: string
  readonly participants: readonly RoundParticipant[]
  readonly metrics: Json
  readonly privacy: Json
  readonly homomorphic: boolean
  readonly rewards: readonly { readonly address: Address; readonly amount: number }[]
}

/**
 * Everything the contracts maintain, replayed from genesis. Plain JSON, hashed canonically for the state root.
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
  readonly rounds: readonly TrainingRound[]
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
    rounds: [],
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

/** Tokens in accounts, task escrows and purchase escrows: always minted - burned. */
export function circulating(state: ChainState): number {
  const accounts = Object.values(state.accounts).reduce((s, a) => s + a.balance, 0)
  const escrow = Object.values(state.tasks).reduce((s, t) => s + t.escrow, 0)
  const held = Object.values(marketOf(state).purchases).reduce((s, p) => s + p.escrow, 0)
  return accounts + escrow + held
}
