/** The chain as peers ask for it: accounts, blocks, inclusion proofs, the explorer's view and its verification. */
import { z } from 'zod'
import type { BlockHeader, InclusionProof } from '../chain/block'
import type { StakeSummary, StakeView } from '../chain/contracts/stake'
import type { TrainingRound } from '../chain/state'
import { addressSchema, taskIdSchema, txIdSchema } from '../ids'

/** Where a submitted transaction went: its id and the block that took it. */
export interface TransactionReceipt {
  readonly txId: string
  readonly block: number
}

/** An account, and with `taskId` its stake in that task (`AccountView.stake`). */
export const accountRequestSchema = z.object({ address: addressSchema, taskId: taskIdSchema.optional() })
export type AccountRequest = Readonly<z.infer<typeof accountRequestSchema>>

export interface AccountView {
  readonly chainId: string
  readonly address: string
  readonly balance: number
  readonly nonce: number
  readonly faucetClaimed: boolean
  readonly faucetAmount: number
  /** Asked with a task id that the chain knows: what the task asks and what this account locked in it. */
  readonly stake?: StakeView
}

export const blockRequestSchema = z.object({ index: z.int().min(0) })
export type BlockRequest = Readonly<z.infer<typeof blockRequestSchema>>

export const proofRequestSchema = z.object({ txId: txIdSchema })
export type ProofRequest = Readonly<z.infer<typeof proofRequestSchema>>

/** A transaction's Merkle inclusion proof in its block, and whether it checks against the block's header. */
export interface ProofReply {
  readonly proof: InclusionProof
  readonly block: BlockHeader
  readonly blockHash: string
  readonly valid: boolean
}

/** Mints tokens to the coordinator and puts them in a task's reward escrow. */
export const fundTaskSchema = z.object({ taskId: taskIdSchema, amount: z.int().min(1).max(1e12) })
export type FundTaskRequest = Readonly<z.infer<typeof fundTaskSchema>>

/** The chain as the explorer shows it: recent blocks, accounts, training records. */
export interface ChainView {
  readonly chainId: string
  readonly height: number
  readonly head: string
  readonly producer: string | null
  readonly supply: { readonly minted: number; readonly burned: number }
  readonly blocks: readonly {
    readonly index: number
    readonly hash: string
    readonly timestamp: number
    readonly types: readonly string[]
  }[]
  readonly accounts: readonly { readonly address: string; readonly balance: number; readonly nonce: number }[]
  readonly rounds: readonly TrainingRound[]
  readonly tasks: readonly {
    readonly taskId: string
    readonly name: string
    readonly escrow: number
    readonly rounds: number
    /** What the task asks each participant to lock, and what its stakes came to; null when it asks none. */
    readonly stake: StakeSummary | null
    /** Ended on the chain (its stakes returned); nothing more is recorded in it. */
    readonly finished: boolean
  }[]
}

export interface ChainVerification {
  readonly height: number
  readonly head: string
  /** When the last block was verified (ms since the epoch). */
  readonly verifiedAt: number
  /**
   * When the whole chain was last verified from storage (at start, or a re-verification); null while a start-up
   * that began from the state snapshot has not yet finished its full check.
   */
  readonly fullVerifiedAt: number | null
}
