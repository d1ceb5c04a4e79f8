import { describe, expect, it } from 'vitest'
import { type Block, produceBlock, verifyChain, wholeStateRoot } from '../../../shared/chain/block'
import { type KeyPair, keyPairFromSecret } from '../../../shared/chain/keys'
import type { ChainState } from '../../../shared/chain/state'
import { signTransaction } from '../../../shared/chain/transaction'
import { buyerKey, listingPayload } from '../../helpers/market-fixtures'

const CHAIN = 'compat'
const key = (n: number) => keyPairFromSecret(n.toString(16).padStart(64, '0'))

/**
 * The state root this chain had under the contracts from before stakes, verdicts and weighted rewards (commit
 * 8475734): fixed keys and times make it deterministic, and every field added since is optional and written only
 * when used, so the same transactions must replay to the same root.
 */
const ROOT_BEFORE_STAKES = '6f58b28a29e9768058ff4ebe7a94a615252483fd1438d354f8f759335e80e4e9'

function oldChain(): { blocks: Block[]; state: ChainState } {
  const [p, alice, bob, carol, provider, buyer] = [key(1), key(2), key(3), key(4), key(5), key(6)]
  const nonces = new Map<string, number>()
  let t = 1_000
  const tx = (k: KeyPair, type: string, payload: unknown) => {
    const nonce = nonces.get(k.address) ?? 0
    nonces.set(k.address, nonce + 1)
    return signTransaction(k, { chainId: CHAIN, nonce, type, payload: payload as never, timestamp: ++t })
  }
  const round = (taskId: string, n: number, entries: [KeyPair, number][], rewardPerExample: number) =>
    tx(p, 'training.record-round', {
      taskId,
      round: n,
      modelRound: n,
      modelBefore: 'a'.repeat(64),
      modelAfter: `r${n}-${'b'.repeat(12)}`,
      participants: entries.map(([k, examples]) => ({
        address: k.address,
        updateHash: 'c'.repeat(64),
        examples,
      })),
      metrics: { accuracy: 0.5 },
      privacy: { mode: 'off' },
      homomorphic: false,
      rewardPerExample,
    })
  const batches = [
    [tx(p, 'chain.genesis', { faucetAmount: 100 })],
    [
      ...[alice, bob, provider, buyer].map((k) => tx(k, 'token.claim', {})),
      tx(p, 'training.register-task', { taskId: 'demo', name: 'Demo', configHash: 'e'.repeat(64) }),
      tx(alice, 'training.fund', { taskId: 'demo', amount: 50 }),
    ],
    // carol has no account yet and is paid nothing: she still gets one, as she did.
    [
      round(
        'demo',
        1,
        [
          [alice, 300],
          [bob, 100],
          [carol, 1],
        ],
        1,
      ),
    ],
    [
      round(
        'demo',
        2,
        [
          [carol, 7],
          [bob, 3],
        ],
        0.37,
      ),
    ],
    [
      tx(provider, 'market.register-provider', { name: 'P', description: '' }),
      tx(buyer, 'market.register-consumer', { name: 'B' }),
      tx(provider, 'market.list-dataset', listingPayload({ copyPrice: null, trainingPrice: 30 })),
      tx(buyer, 'market.purchase', { datasetId: 'ds-1', kind: 'training', buyerKey }),
      tx(p, 'training.register-task', { taskId: 'bought', name: 'B', configHash: 'f'.repeat(64) }),
      tx(p, 'market.start-training', { purchaseId: 'p-1', taskId: 'bought' }),
    ],
    [round('bought', 1, [[provider, 100]], 30 / (2 * 100))],
    [tx(p, 'market.finish-training', { purchaseId: 'p-1' })],
  ]
  let previous: Parameters<typeof produceBlock>[0] = { chainId: CHAIN }
  const blocks: Block[] = []
  let state: ChainState | null = null
  let time = 10
  for (const txs of batches) {
    const produced = produceBlock(previous, txs, p, ++time)
    if (!produced.ok) throw new Error(produced.error.message)
    blocks.push(produced.value.block)
    state = produced.value.state
    previous = produced.value
  }
  return { blocks, state: state! }
}

describe('chains from before stakes', () => {
  it('replay to the state root they had: tasks, rounds and market settlements unchanged', () => {
    const { blocks, state } = oldChain()
    expect(wholeStateRoot(state)).toBe(ROOT_BEFORE_STAKES)
    const verified = verifyChain(blocks, CHAIN)
    expect(verified.ok && wholeStateRoot(verified.state)).toBe(ROOT_BEFORE_STAKES)
    expect(state.rounds.toArray().every((r) => r.slashes === undefined && r.finished === undefined)).toBe(
      true,
    )
  })
})
