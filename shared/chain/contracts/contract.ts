import type { Result } from '../../result'
import type { ChainState } from '../state'
import type { TransactionBody } from '../transaction'

/**
 * A contract: a deterministic reducer over the chain state for the transaction types it owns ("prefix.action").
 * It must not read clocks, randomness or I/O: replaying the chain from genesis must rebuild the same state.
 * Nonces and signatures are checked before a contract sees a transaction.
 */
export interface Contract {
  readonly prefix: string
  apply(state: ChainState, tx: TransactionBody): Result<ChainState>
}
