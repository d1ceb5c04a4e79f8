import { expect } from 'vitest'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import { applyTransaction } from '../../shared/chain/ledger'
import { accountOf, type ChainState, emptyState, marketOf } from '../../shared/chain/state'
import { signTransaction } from '../../shared/chain/transaction'
import type { ErrorCode } from '../../shared/result'

const CHAIN = 'market-test'

/** A chain state driven transaction by transaction, each signed by its sender with the next nonce. */
export class Ledger {
  state: ChainState = emptyState(CHAIN)
  clock = 1_767_225_600_000 // 2026-01-01
  readonly producer = generateKeyPair()

  constructor(faucet = 100) {
    this.must(this.producer, 'chain.genesis', { faucetAmount: faucet })
  }

  send(keys: KeyPair, type: string, payload: unknown) {
    this.clock += 3_600_000
    const at = this.clock
    const tx = signTransaction(keys, {
      chainId: CHAIN,
      nonce: accountOf(this.state, keys.address).nonce,
      type,
      payload: payload as never,
      timestamp: at,
    })
    const result = applyTransaction(this.state, tx)
    if (result.ok) this.state = result.value
    return { result, txId: tx.id }
  }

  must(keys: KeyPair, type: string, payload: unknown) {
    const { result, txId } = this.send(keys, type, payload)
    if (!result.ok) throw new Error(`${type}: ${result.error.message}`)
    return txId
  }

  refused(keys: KeyPair, type: string, payload: unknown, code: ErrorCode, message?: RegExp) {
    const before = this.state
    const { result } = this.send(keys, type, payload)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe(code)
    if (message) expect(result.error.message).toMatch(message)
    expect(this.state).toBe(before)
  }

  balance = (keys: KeyPair) => accountOf(this.state, keys.address).balance
  get market() {
    return marketOf(this.state)
  }
}
