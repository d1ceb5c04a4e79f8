import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Block,
  checkInclusion,
  produceBlock,
  proveInclusion,
  verifyChain,
} from '../../../shared/chain/block'
import { generateKeyPair, type KeyPair } from '../../../shared/chain/keys'
import { applyTransaction } from '../../../shared/chain/ledger'
import { accountOf, type ChainState, circulating, emptyState } from '../../../shared/chain/state'
import { type SignedTransaction, signTransaction } from '../../../shared/chain/transaction'

const CHAIN = 'privx-test'
const producer = generateKeyPair()

/** A small wallet: signs with consecutive nonces. */
function wallet(keys: KeyPair = generateKeyPair()) {
  let nonce = 0
  return {
    keys,
    tx: (type: string, payload: unknown): SignedTransaction =>
      signTransaction(keys, {
        chainId: CHAIN,
        nonce: nonce++,
        type,
        payload: payload as never,
        timestamp: 1000 + nonce,
      }),
  }
}

function buildChain(): {
  blocks: Block[]
  state: ChainState
  alice: ReturnType<typeof wallet>
  bob: ReturnType<typeof wallet>
} {
  const coordinator = wallet(producer)
  const alice = wallet()
  const bob = wallet()
  const genesis = produceBlock(
    { chainId: CHAIN },
    [coordinator.tx('chain.genesis', { faucetAmount: 100 })],
    producer,
    1,
  )
  if (!genesis.ok) throw new Error(genesis.error.message)
  const b1 = produceBlock(
    genesis.value,
    [
      alice.tx('token.claim', {}),
      bob.tx('token.claim', {}),
      alice.tx('token.transfer', { to: bob.keys.address, amount: 30 }),
      coordinator.tx('training.register-task', { taskId: 'demo', name: 'Demo', configHash: 'a'.repeat(64) }),
      alice.tx('training.fund', { taskId: 'demo', amount: 50 }),
    ],
    producer,
    2,
  )
  if (!b1.ok) throw new Error(b1.error.message)
  const b2 = produceBlock(
    b1.value,
    [
      coordinator.tx('training.record-round', {
        taskId: 'demo',
        round: 1,
        modelRound: 1,
        modelBefore: 'r0-aaaaaaaaaaaa',
        modelAfter: 'r1-bbbbbbbbbbbb',
        participants: [
          { address: alice.keys.address, updateHash: 'c'.repeat(64), examples: 300 },
          { address: bob.keys.address, updateHash: 'd'.repeat(64), examples: 100 },
        ],
        metrics: { accuracy: 0.8 },
        privacy: { mode: 'off' },
        homomorphic: false,
        rewardPerExample: 1,
      }),
    ],
    producer,
    3,
  )
  if (!b2.ok) throw new Error(b2.error.message)
  return { blocks: [genesis.value.block, b1.value.block, b2.value.block], state: b2.value.state, alice, bob }
}

describe('chain: blocks, contracts and verification', () => {
  it('builds and verifies a chain; contracts move tokens and record rounds with rewards from escrow', () => {
    const { blocks, state, alice, bob } = buildChain()
    const verified = verifyChain(blocks, CHAIN)
    expect(verified.ok).toBe(true)
    // alice: 100 - 30 - 50 + 37 (floor(50 * 300/400)); bob: 100 + 30 + 12; escrow keeps the 1 left over.
    expect(accountOf(state, alice.keys.address).balance).toBe(57)
    expect(accountOf(state, bob.keys.address).balance).toBe(142)
    expect(state.tasks['demo']).toMatchObject({ escrow: 1, rounds: 1 })
    expect(state.rounds.at(0)).toMatchObject({
      round: 1,
      modelAfter: 'r1-bbbbbbbbbbbb',
      rewards: [{ amount: 37 }, { amount: 12 }],
    })
    expect(circulating(state)).toBe(state.supply.minted - state.supply.burned)
  })

  it('names the block and the check when anything is tampered with', () => {
    const { blocks } = buildChain()
    const tamper = (edit: (b: Block[]) => void) => {
      const copy = structuredClone(blocks) as Block[]
      edit(copy)
      const result = verifyChain(copy, CHAIN)
      return result.ok ? 'valid' : `${result.fault.index}:${result.fault.check}`
    }
    expect(tamper((b) => ((b[1]!.header as { timestamp: number }).timestamp = 99))).toBe('1:block-hash')
    expect(
      tamper(
        (b) => ((b[1]!.transactions[2]!.body as { payload: unknown }).payload = { to: 'px', amount: 1 }),
      ),
    ).toBe('1:transaction')
    expect(tamper((b) => (b[1]!.transactions as SignedTransaction[]).reverse())).toBe('1:merkle-root')
    expect(tamper((b) => ((b[2] as { signature: string }).signature = b[1]!.signature))).toBe(
      '2:producer-signature',
    )
    expect(tamper((b) => b.splice(1, 1))).toBe('1:index')
    const forger = generateKeyPair()
    const forged = tamper((b) => {
      const again = produceBlock({ chainId: CHAIN }, b[0]!.transactions, forger, 1)
      if (again.ok) b[0] = again.value.block
    })
    expect(forged).toBe('0:producer')
  })

  it('refuses a replayed transaction and one with a skipped nonce', () => {
    const { blocks, state, alice } = buildChain()
    const replay = blocks[1]!.transactions[2]!
    expect(applyTransaction(state, replay)).toMatchObject({
      ok: false,
      error: { code: 'replay', message: expect.stringMatching(/already used: a replay/) },
    })
    const ahead = signTransaction(alice.keys, {
      chainId: CHAIN,
      nonce: 99,
      type: 'token.burn',
      payload: { amount: 1 },
      timestamp: 5,
    })
    expect(applyTransaction(state, ahead)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/out of order/) },
    })
  })

  it('refuses what contracts forbid, with the reason', () => {
    const { state, alice } = buildChain()
    // Each as the account's next transaction, so the contract's own reason comes back.
    let s = state
    const codes: string[] = []
    for (const [type, payload] of [
      ['token.transfer', { to: alice.keys.address, amount: 1 }],
      ['token.transfer', { to: generateKeyPair().address, amount: 10_000 }],
      ['token.mint', { to: alice.keys.address, amount: 5 }],
      ['token.claim', {}],
      ['training.record-round', {}],
      ['market.list', {}],
      ['token.transfer', { to: 'not-an-address', amount: -1 }],
    ] as const) {
      const tx = signTransaction(alice.keys, {
        chainId: CHAIN,
        nonce: accountOf(s, alice.keys.address).nonce,
        type,
        payload,
        timestamp: 9,
      })
      const r = applyTransaction(s, tx)
      codes.push(r.ok ? 'ok' : r.error.code)
      if (r.ok) s = r.value
    }
    expect(codes).toEqual([
      'bad-payload',
      'insufficient-funds',
      'forbidden',
      'forbidden',
      'forbidden',
      'bad-payload',
      'bad-payload',
    ])
  })

  it('proves any transaction is in its block, checkable against the header alone', () => {
    const { blocks } = buildChain()
    const block = blocks[1]!
    for (const tx of block.transactions) {
      const proof = proveInclusion(block, tx.id)!
      expect(checkInclusion(proof, block.header)).toBe(true)
      expect(
        checkInclusion({ ...proof, leafIndex: (proof.leafIndex + 1) % proof.treeSize }, block.header),
      ).toBe(false)
      expect(checkInclusion(proof, blocks[2]!.header)).toBe(false)
    }
    expect(proveInclusion(block, 'f'.repeat(64))).toBeNull()
  })
})

describe('token contract, property-based', () => {
  it('never lets a balance go negative, conserves supply, and rejects every invalid transaction', () => {
    const keys = Array.from({ length: 4 }, () => generateKeyPair())
    const op = fc.record({
      who: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('claim', 'transfer', 'burn', 'mint'),
      to: fc.integer({ min: 0, max: 3 }),
      amount: fc.integer({ min: -5, max: 250 }),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let state = emptyState(CHAIN)
        const genesis = applyTransaction(
          state,
          signTransaction(producer, {
            chainId: CHAIN,
            nonce: 0,
            type: 'chain.genesis',
            payload: { faucetAmount: 100 },
            timestamp: 0,
          }),
        )
        if (!genesis.ok) return false
        state = genesis.value
        for (const o of ops) {
          const sender = o.kind === 'mint' && o.who === 0 ? producer : keys[o.who]!
          const payload =
            o.kind === 'claim'
              ? {}
              : o.kind === 'burn'
                ? { amount: o.amount }
                : { to: keys[o.to]!.address, amount: o.amount }
          const nonce = accountOf(state, sender.address).nonce
          const before = state
          const r = applyTransaction(
            state,
            signTransaction(sender, {
              chainId: CHAIN,
              nonce,
              type: `token.${o.kind}`,
              payload: payload as never,
              timestamp: 1,
            }),
          )
          if (r.ok) state = r.value
          else if (state !== before) return false
          const balances = Object.values(state.accounts).map((a) => a.balance)
          if (balances.some((b) => b < 0 || !Number.isInteger(b))) return false
          if (circulating(state) !== state.supply.minted - state.supply.burned) return false
          // Invalid ones are refused: non-positive amounts, overdrafts, self-transfers, second claims, non-producer mints.
          const overdraft =
            o.kind !== 'claim' && o.kind !== 'mint' && o.amount > accountOf(before, sender.address).balance
          if (
            (o.amount <= 0 && o.kind !== 'claim') ||
            overdraft ||
            (o.kind === 'transfer' && o.who === o.to)
          ) {
            if (r.ok) return false
          }
        }
        return true
      }),
      { numRuns: 150 },
    )
  })
})
