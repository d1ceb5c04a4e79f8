import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChainService } from '../../coordinator/chain/chain-service'
import { ChainStore } from '../../coordinator/chain/chain-store'
import { type Block, produceBlock, verifyChain } from '../../shared/chain/block'
import { canonicalBytes, hashOf, type Json } from '../../shared/chain/encoding'
import { generateKeyPair, type KeyPair, sign } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import { MAX_TX_AGE_MS, MAX_TX_LEAD_MS } from '../../shared/chain/tx-time'

const CHAIN = 'time-test'
const NOW = Date.UTC(2026, 4, 1, 12)
const YEAR_2100 = Date.UTC(2100, 0, 1)

const claim = (keys: KeyPair, timestamp: number) =>
  signTransaction(keys, { chainId: CHAIN, nonce: 0, type: 'token.claim', payload: {}, timestamp })

describe('transaction timestamps', () => {
  it('a transaction dated 2100 is refused on submit, naming the field, the dates and the bound', () => {
    const chain = ChainService.open({ dataDir: null, chainId: CHAIN, faucetAmount: 10, now: () => NOW })
    const result = chain.submit(claim(generateKeyPair(), YEAR_2100))
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'bad-payload',
        message: expect.stringMatching(
          /^transaction [0-9a-f]{12}: body\.timestamp 4102444800000 \(2100-01-01T00:00:00\.000Z\) is 74 years after the block time 1777636800000 \(2026-05-01T12:00:00\.000Z\); at most 5 minutes ahead is accepted/,
        ),
      },
    })
    expect(chain.blocks).toHaveLength(1)
  })

  it('accepts the window around the block time and refuses just outside it, both ways', () => {
    const chain = ChainService.open({ dataDir: null, chainId: CHAIN, faucetAmount: 10, now: () => NOW })
    const outcome = (timestamp: number) => {
      const r = chain.submit(claim(generateKeyPair(), timestamp))
      return r.ok
        ? 'ok'
        : r.error.message.replace(/^.*body\.timestamp \S+ \S+ is .*? (after|before).*$/, '$1')
    }
    expect(outcome(NOW + MAX_TX_LEAD_MS)).toBe('ok')
    expect(outcome(NOW + MAX_TX_LEAD_MS + 1)).toBe('after')
    expect(outcome(NOW - MAX_TX_AGE_MS)).toBe('ok')
    expect(outcome(NOW - MAX_TX_AGE_MS - 1)).toBe('before')
    expect(outcome(0)).toBe('before')
  })

  it('a block holding one fails verification with the reason, in memory and on disk', () => {
    const producer = generateKeyPair()
    const genesis = produceBlock(
      { chainId: CHAIN },
      [
        signTransaction(producer, {
          chainId: CHAIN,
          nonce: 0,
          type: 'chain.genesis',
          payload: { faucetAmount: 10 },
          timestamp: NOW,
        }),
      ],
      producer,
      NOW,
    )
    if (!genesis.ok) throw new Error(genesis.error.message)
    // The producer refuses to date such a block now; a forger dates it in 2100, then rewrites the time and re-signs.
    const dated = produceBlock(genesis.value, [claim(generateKeyPair(), YEAR_2100)], producer, YEAR_2100)
    if (!dated.ok) throw new Error(dated.error.message)
    const header = { ...dated.value.block.header, timestamp: NOW + 1000 }
    const hash = hashOf(header as unknown as Json)
    const forged: Block = {
      ...dated.value.block,
      header,
      hash,
      signature: sign(canonicalBytes(hash), producer.secretKey),
    }
    const blocks = [genesis.value.block, forged]
    const verified = verifyChain(blocks, CHAIN)
    expect(verified).toMatchObject({
      ok: false,
      fault: {
        index: 1,
        check: 'transaction-time',
        message: expect.stringMatching(
          /^block 1, transaction 0: transaction [0-9a-f]{12}: body\.timestamp 4102444800000 \(2100-01-01T00:00:00\.000Z\) is 74 years after the block time/,
        ),
      },
    })
    const store = new ChainStore(mkdtempSync(join(tmpdir(), 'privx-time-')))
    writeFileSync(store.path, blocks.map((b) => `${JSON.stringify(b)}\n`).join(''))
    expect(store.load()).toMatchObject({ ok: false, fault: { index: 1, check: 'transaction-time' } })
  })

  it('a transaction whose timestamp is no number is refused', () => {
    const keys = generateKeyPair()
    const tx = claim(keys, NOW)
    const broken = { ...tx, body: { ...tx.body, timestamp: Number.NaN } }
    const chain = ChainService.open({ dataDir: null, chainId: CHAIN, faucetAmount: 10, now: () => NOW })
    expect(chain.submit(broken)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload', message: expect.stringContaining('timestamp') },
    })
  })
})
