/**
 * A process that keeps extending the chain in DIR (for crash tests): loads it (cutting off a torn last line), then
 * appends blocks of token transfers as fast as it can until killed. Prints "ready" once it starts writing.
 */

import { ChainStore } from '../../coordinator/chain/chain-store'
import { produceBlock } from '../../shared/chain/block'
import { generateKeyPair } from '../../shared/chain/keys'
import { accountOf } from '../../shared/chain/state'
import { signTransaction } from '../../shared/chain/transaction'

const store = new ChainStore(process.argv[2]!)
const keys = store.producerKeys()
const loaded = store.load({ repair: true })
if (!loaded.ok) {
  console.error(`cannot continue: ${loaded.fault.message}`)
  process.exit(3)
}
let head = loaded.blocks.length
  ? { block: loaded.blocks.at(-1)!, state: loaded.state! }
  : (() => {
      const genesis = produceBlock(
        { chainId: 'crash-test' },
        [
          signTransaction(keys, {
            chainId: 'crash-test',
            nonce: 0,
            type: 'chain.genesis',
            payload: { faucetAmount: 0 },
            timestamp: 0,
          }),
        ],
        keys,
        0,
      )
      if (!genesis.ok) throw new Error(genesis.error.message)
      store.append(genesis.value.block)
      return genesis.value
    })()
console.log('ready')
const friend = generateKeyPair().address
for (;;) {
  const nonce = accountOf(head.state, keys.address).nonce
  // Big payloads make each write long enough for a kill to land in the middle of one.
  const txs = Array.from({ length: 12 }, (_, i) =>
    signTransaction(keys, {
      chainId: 'crash-test',
      nonce: nonce + i,
      type: 'token.mint',
      payload: { to: friend, amount: 1 + i },
      timestamp: Date.now(),
    }),
  )
  const next = produceBlock(head, txs, keys, Date.now())
  if (!next.ok) throw new Error(next.error.message)
  store.append(next.value.block)
  head = next.value
  console.log(`block ${head.block.header.index}`)
}
