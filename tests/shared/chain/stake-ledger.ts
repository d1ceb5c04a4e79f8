import { expect } from 'vitest'
import { generateKeyPair, type KeyPair } from '../../../shared/chain/keys'
import { applyTransaction } from '../../../shared/chain/ledger'
import { accountOf, type ChainState, emptyState } from '../../../shared/chain/state'
import { signTransaction } from '../../../shared/chain/transaction'
import type { ErrorCode } from '../../../shared/result'

export const CHAIN = 'stake-test'

/** A chain state driven transaction by transaction, each signed by its sender with the next nonce. */
export class Ledger {
  state: ChainState = emptyState(CHAIN)
  clock = 1_767_225_600_000 // 2026-01-01
  constructor(
    faucet = 100,
    readonly producer: KeyPair = generateKeyPair(),
  ) {
    this.must(this.producer, 'chain.genesis', { faucetAmount: faucet })
  }

  send(keys: KeyPair, type: string, payload: unknown) {
    this.clock += 1000
    const tx = signTransaction(keys, {
      chainId: CHAIN,
      nonce: accountOf(this.state, keys.address).nonce,
      type,
      payload: payload as never,
      timestamp: this.clock,
    })
    const result = applyTransaction(this.state, tx)
    if (result.ok) this.state = result.value
    return { result, tx }
  }

  must(keys: KeyPair, type: string, payload: unknown): void {
    const { result } = this.send(keys, type, payload)
    if (!result.ok) throw new Error(`${type}: ${result.error.message}`)
  }

  refused(keys: KeyPair, type: string, payload: unknown, code: ErrorCode, message?: RegExp): void {
    const before = this.state
    const { result } = this.send(keys, type, payload)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe(code)
    if (message) expect(result.error.message).toMatch(message)
    expect(this.state).toBe(before)
  }

  balance = (keys: KeyPair) => accountOf(this.state, keys.address).balance
  task = (taskId: string) => this.state.tasks[taskId]!
}

export interface Entry {
  readonly who: KeyPair
  readonly examples?: number
  readonly verdict?: 'accepted' | 'clipped' | 'rejected'
  readonly reason?: string
  readonly weight?: number
  readonly score?: number
}

/** A `training.record-round` payload: the task's next record, with these participants. */
export function record(state: ChainState, taskId: string, entries: readonly Entry[], rewardPerExample = 1) {
  const round = (state.tasks[taskId]?.rounds ?? 0) + 1
  return {
    taskId,
    round,
    modelRound: round,
    modelBefore: 'a'.repeat(64),
    modelAfter: 'b'.repeat(64),
    participants: entries.map(({ who, examples, ...rest }) => ({
      address: who.address,
      updateHash: 'c'.repeat(64),
      examples: examples ?? 10,
      ...rest,
    })),
    metrics: {},
    privacy: {},
    homomorphic: false,
    rewardPerExample,
  }
}
