import { describe, expect, it } from 'vitest'
import { type Block, produceBlock, verifyChain, wholeStateRoot } from '../../../shared/chain/block'
import { type KeyPair, keyPairFromSecret } from '../../../shared/chain/keys'
import { type ChainState, marketOf } from '../../../shared/chain/state'
import { signTransaction } from '../../../shared/chain/transaction'
import { buyerKey, listingPayload } from '../../helpers/market-fixtures'

const CHAIN = 'compat-budget'
const key = (n: number) => keyPairFromSecret(n.toString(16).padStart(64, '0'))

/**
 * The state root this chain had under the market contract from before epsilon budgets (commit 5a322e2, computed by
 * that commit's code): listings then carried their exact `rows` and no budget, and such listings are still sold
 * uncharged, with every ledger field absent, so the same transactions must replay to the same root.
 */
const ROOT_BEFORE_BUDGETS = 'df4dde80cae501ecac021c138ac0154d3284745baf9dd749c59d5b6946b97f11'

/** Copies bought, delivered, resold and cancelled, a training sale cancelled, a rating and a price change. */
function oldMarketChain(): { blocks: Block[]; state: ChainState } {
  const [p, provider, alice, bob] = [key(1), key(2), key(3), key(4)]
  const nonces = new Map<string, number>()
  let t = 5_000
  const tx = (k: KeyPair, type: string, payload: unknown) => {
    const nonce = nonces.get(k.address) ?? 0
    nonces.set(k.address, nonce + 1)
    return signTransaction(k, { chainId: CHAIN, nonce, type, payload: payload as never, timestamp: ++t })
  }
  const batches = [
    [tx(p, 'chain.genesis', { faucetAmount: 200 })],
    [
      ...[provider, alice, bob].map((k) => tx(k, 'token.claim', {})),
      tx(provider, 'market.register-provider', { name: 'P', description: '' }),
      tx(alice, 'market.register-consumer', { name: 'A' }),
      tx(bob, 'market.register-consumer', { name: 'B' }),
      tx(provider, 'market.list-dataset', listingPayload()),
    ],
    [
      tx(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', buyerKey }),
      tx(bob, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', copyKind: 'synthetic', buyerKey }),
      tx(bob, 'market.purchase', { datasetId: 'ds-1', kind: 'training' }),
    ],
    [
      tx(provider, 'market.deliver', { purchaseId: 'p-1', deliveryHash: 'a'.repeat(64) }),
      tx(bob, 'market.cancel', { purchaseId: 'p-2' }),
      tx(bob, 'market.cancel', { purchaseId: 'p-3' }),
      tx(alice, 'market.purchase', { datasetId: 'ds-1', kind: 'copy', buyerKey }),
    ],
    [
      tx(provider, 'market.deliver', { purchaseId: 'p-4', deliveryHash: 'b'.repeat(64) }),
      tx(alice, 'market.rate', { purchaseId: 'p-1', stars: 4, comment: 'ok' }),
      tx(provider, 'market.update-listing', { datasetId: 'ds-1', copyPrice: 12 }),
    ],
  ]
  let previous: Parameters<typeof produceBlock>[0] = { chainId: CHAIN }
  const blocks: Block[] = []
  let state: ChainState | null = null
  let time = 50
  for (const txs of batches) {
    const produced = produceBlock(previous, txs, p, ++time)
    if (!produced.ok) throw new Error(produced.error.message)
    blocks.push(produced.value.block)
    state = produced.value.state
    previous = produced.value
  }
  return { blocks, state: state! }
}

describe('chains from before epsilon budgets', () => {
  it('replay to the state root they had: no listing or sale gains a ledger field', () => {
    const { blocks, state } = oldMarketChain()
    expect(wholeStateRoot(state)).toBe(ROOT_BEFORE_BUDGETS)
    const verified = verifyChain(blocks, CHAIN)
    expect(verified.ok && wholeStateRoot(verified.state)).toBe(ROOT_BEFORE_BUDGETS)
    const market = marketOf(state)
    const ledgerFields = ['epsilonBudget', 'trainingEpsilon', 'epsilonCharges']
    expect(Object.keys(market.datasets['ds-1']!).filter((k) => ledgerFields.includes(k))).toEqual([])
    expect(market.datasets['ds-1']!.rows).toBe(100)
    for (const p of Object.values(market.purchases))
      expect(Object.keys(p).filter((k) => ['copyEpsilon', 'epsilonCharged', 'copyHash'].includes(k))).toEqual(
        [],
      )
  })
})
