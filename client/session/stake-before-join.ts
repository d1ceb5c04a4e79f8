import type { KeyPair } from '../../shared/chain/keys'
import { fail, ok, type Result } from '../../shared/result'
import { fetchAccount, sendTransaction } from './chain-client'
import type { ClientSocket } from './client-socket'

/**
 * A paid task that asks a stake (`TaskStake`) takes only accounts that locked it, so before its hello a tab locks
 * the task's stake from its own account (`training.stake`), first claiming its faucet grant when the balance is
 * short and the grant is unclaimed. Nothing is sent for a task without a stake, an account that already staked
 * (or was slashed: the hello then says why), or a task that ended. Returns the line the tab shows, null when
 * nothing was done, or why the tab cannot stake (the tab then does not join).
 */
export async function stakeBeforeJoin(
  socket: ClientSocket,
  keys: KeyPair,
  taskId: string,
): Promise<Result<string | null>> {
  const account = await fetchAccount(socket, keys.address, taskId)
  if (!account.ok) return account
  const view = account.value.stake
  if (!view || view.asked === 0 || view.finished || view.stake) return ok(null)
  let balance = account.value.balance
  if (balance < view.asked && !account.value.faucetClaimed && account.value.faucetAmount > 0) {
    const claimed = await sendTransaction(socket, keys, 'token.claim', {})
    if (!claimed.ok) return claimed
    balance += account.value.faucetAmount
  }
  if (balance < view.asked)
    return fail(
      'insufficient-funds',
      `task ${taskId} asks a stake of ${view.asked} tokens before joining; this tab's account ${keys.address} has ${balance}`,
    )
  const staked = await sendTransaction(socket, keys, 'training.stake', { taskId })
  if (!staked.ok) return staked
  return ok(
    `locked a stake of ${view.asked} tokens in task ${taskId} (block ${staked.value.block}): it comes back when the task ends; an update rejected as broken forfeits part of it`,
  )
}
