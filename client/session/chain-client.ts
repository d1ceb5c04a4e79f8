import type { Json } from '../../shared/chain/encoding'
import type { KeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import type { AccountView, TransactionReceipt } from '../../shared/protocol'
import type { Result } from '../../shared/result'
import type { ClientSocket } from './client-socket'
import { request } from './request'

const TIMEOUT_MS = 15_000

/** This participant's account on the coordinator's chain; with `taskId`, its stake in that task too. */
export function fetchAccount(
  socket: ClientSocket,
  address: string,
  taskId?: string,
): Promise<Result<AccountView>> {
  const asked = taskId === undefined ? { address } : { address, taskId }
  return request(socket, 'client:account', asked, { timeoutMs: TIMEOUT_MS })
}

/**
 * Signs a transaction with the account's next nonce (read from the chain) and submits it; the result names the block
 * that took it, or why the chain refused it.
 */
export async function sendTransaction(
  socket: ClientSocket,
  keys: KeyPair,
  type: string,
  payload: Json,
): Promise<Result<TransactionReceipt>> {
  const account = await fetchAccount(socket, keys.address)
  if (!account.ok) return account
  const tx = signTransaction(keys, {
    chainId: account.value.chainId,
    nonce: account.value.nonce,
    type,
    payload,
    timestamp: Date.now(),
  })
  return request(socket, 'client:transaction', tx, { timeoutMs: TIMEOUT_MS })
}
