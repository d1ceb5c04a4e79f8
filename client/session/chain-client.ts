import type { Json } from '../../shared/chain/encoding'
import type { KeyPair } from '../../shared/chain/keys'
import { type SignedTransaction, signTransaction } from '../../shared/chain/transaction'
import type { AccountView } from '../../shared/protocol'
import { fail, type Result } from '../../shared/result'
import type { ClientSocket } from './federated-session'

const TIMEOUT_MS = 15_000

type Asker = {
  emitWithAck(event: 'client:account', request: { address: string }): Promise<Result<AccountView>>
  emitWithAck(
    event: 'client:transaction',
    tx: SignedTransaction,
  ): Promise<Result<{ txId: string; block: number }>>
}

const ask = (socket: ClientSocket): Asker => socket.timeout(TIMEOUT_MS) as unknown as Asker

async function guarded<T>(work: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await work()
  } catch (error) {
    return fail(
      'invalid-state',
      `no answer from the coordinator (${error instanceof Error ? error.message : String(error)})`,
    )
  }
}

/** This participant's account on the coordinator's chain. */
export function fetchAccount(socket: ClientSocket, address: string): Promise<Result<AccountView>> {
  return guarded(() => ask(socket).emitWithAck('client:account', { address }))
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
): Promise<Result<{ txId: string; block: number }>> {
  const account = await fetchAccount(socket, keys.address)
  if (!account.ok) return account
  const tx = signTransaction(keys, {
    chainId: account.value.chainId,
    nonce: account.value.nonce,
    type,
    payload,
    timestamp: Date.now(),
  })
  return guarded(() => ask(socket).emitWithAck('client:transaction', tx))
}
