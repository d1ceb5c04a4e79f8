import type { ChainService } from '../../coordinator/chain/chain-service'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import { accountOf, marketOf } from '../../shared/chain/state'
import { signTransaction } from '../../shared/chain/transaction'
import { buyerKey, listingPayload } from './market-fixtures'

/** Submits a signed transaction from `keys` with its next nonce; throws with the reason if the chain refuses it. */
function submit(chain: ChainService, keys: KeyPair, type: string, payload: Record<string, unknown>): void {
  const tx = signTransaction(keys, {
    chainId: chain.chainId,
    nonce: accountOf(chain.state, keys.address).nonce,
    type,
    payload: payload as never,
    timestamp: Date.now(),
  })
  const done = chain.submit(tx)
  if (!done.ok) throw new Error(`${type}: ${done.error.message}`)
}

/** A provider's listing and a buyer's copy purchase awaiting delivery, on a real chain: its id and both parties. */
export function pendingCopyPurchase(chain: ChainService): {
  purchaseId: string
  provider: KeyPair
  buyer: KeyPair
} {
  const provider = generateKeyPair()
  const buyer = generateKeyPair()
  for (const k of [provider, buyer]) submit(chain, k, 'token.claim', {})
  submit(chain, provider, 'market.register-provider', { name: 'Clinic A', description: 'outpatient data' })
  submit(chain, buyer, 'market.register-consumer', { name: 'Buyer Labs' })
  submit(chain, provider, 'market.list-dataset', listingPayload())
  const datasetId = Object.keys(marketOf(chain.state).datasets).at(-1)!
  submit(chain, buyer, 'market.purchase', { datasetId, kind: 'copy', buyerKey })
  const purchaseId = Object.keys(marketOf(chain.state).purchases).at(-1)!
  return { purchaseId, provider, buyer }
}
