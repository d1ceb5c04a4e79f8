import { fail, ok, type Result } from '../result'
import type { Contract } from './contracts/contract'
import { genesisContract } from './contracts/genesis'
import { marketContract } from './contracts/market'
import { tokenContract } from './contracts/token'
import { trainingContract } from './contracts/training'
import { accountOf, type ChainState, withAccount } from './state'
import { checkTransaction, type SignedTransaction } from './transaction'

/** The contracts of this chain, by the prefix of their transaction types. New contracts join here. */
export const CONTRACTS: ReadonlyMap<string, Contract> = new Map(
  [genesisContract, tokenContract, trainingContract, marketContract].map((c) => [c.prefix, c]),
)

/**
 * Applies one signed transaction: its signature and chain, then its nonce (exactly the sender's count of earlier
 * transactions, so a replay or a reordering is refused), then its contract. On success the sender's nonce advances.
 */
export function applyTransaction(state: ChainState, tx: SignedTransaction): Result<ChainState> {
  const valid = checkTransaction(tx, state.chainId)
  if (!valid.ok) return valid
  const expected = accountOf(state, tx.body.from).nonce
  if (tx.body.nonce !== expected) {
    const why = tx.body.nonce < expected ? 'already used: a replay' : 'ahead of the account: out of order'
    return fail(
      'replay',
      `transaction ${tx.id.slice(0, 12)} carries nonce ${tx.body.nonce}, ${why} (next is ${expected})`,
    )
  }
  const prefix = tx.body.type.split('.')[0] ?? ''
  const contract = CONTRACTS.get(prefix)
  if (!contract) return fail('bad-payload', `no contract handles "${tx.body.type}"`)
  const applied = contract.apply(state, tx.body)
  if (!applied.ok) return applied
  const sender = accountOf(applied.value, tx.body.from)
  return ok(withAccount(applied.value, tx.body.from, { ...sender, nonce: expected + 1 }))
}
