import { z } from 'zod'
import { addressSchema } from '../../ids'
import { parsePayload } from '../../parse'
import { fail, ok } from '../../result'
import { accountOf, withAccount } from '../state'
import { amountSchema } from './amount'
import type { Contract } from './contract'

const transferSchema = z.object({ to: addressSchema, amount: amountSchema })
const mintSchema = z.object({ to: addressSchema, amount: amountSchema })
const burnSchema = z.object({ amount: amountSchema })
/** A claim carries nothing: whatever it carried would be kept on the chain for good. */
const claimSchema = z.object({}).strict()

/**
 * The token: `token.claim` (the configured faucet grant, once per account), `token.transfer`, `token.mint` (the
 * producer only), `token.burn`. Balances never go negative; supply = minted - burned.
 */
export const tokenContract: Contract = {
  prefix: 'token',
  apply(state, tx) {
    const sender = accountOf(state, tx.from)
    switch (tx.type) {
      case 'token.claim': {
        const p = parsePayload(claimSchema, tx.payload, 'claim')
        if (!p.ok) return p
        if (sender.faucetClaimed) return fail('forbidden', `${tx.from} already claimed its grant`)
        if (state.faucetAmount === 0) return fail('forbidden', 'this chain grants no tokens')
        const next = withAccount(state, tx.from, {
          ...sender,
          balance: sender.balance + state.faucetAmount,
          faucetClaimed: true,
        })
        return ok({ ...next, supply: { ...next.supply, minted: next.supply.minted + state.faucetAmount } })
      }
      case 'token.transfer': {
        const p = parsePayload(transferSchema, tx.payload, 'transfer')
        if (!p.ok) return p
        if (p.value.to === tx.from) return fail('bad-payload', 'a transfer to oneself')
        if (sender.balance < p.value.amount) {
          return fail('insufficient-funds', `${tx.from} has ${sender.balance}, cannot send ${p.value.amount}`)
        }
        const debited = withAccount(state, tx.from, { ...sender, balance: sender.balance - p.value.amount })
        const receiver = accountOf(debited, p.value.to)
        return ok(
          withAccount(debited, p.value.to, { ...receiver, balance: receiver.balance + p.value.amount }),
        )
      }
      case 'token.mint': {
        if (tx.from !== state.producer) return fail('forbidden', 'only the producer mints')
        const p = parsePayload(mintSchema, tx.payload, 'mint')
        if (!p.ok) return p
        const receiver = accountOf(state, p.value.to)
        const next = withAccount(state, p.value.to, {
          ...receiver,
          balance: receiver.balance + p.value.amount,
        })
        return ok({ ...next, supply: { ...next.supply, minted: next.supply.minted + p.value.amount } })
      }
      case 'token.burn': {
        const p = parsePayload(burnSchema, tx.payload, 'burn')
        if (!p.ok) return p
        if (sender.balance < p.value.amount)
          return fail('insufficient-funds', `${tx.from} has ${sender.balance}, cannot burn ${p.value.amount}`)
        const next = withAccount(state, tx.from, { ...sender, balance: sender.balance - p.value.amount })
        return ok({ ...next, supply: { ...next.supply, burned: next.supply.burned + p.value.amount } })
      }
      default:
        return fail('bad-payload', `unknown transaction type ${tx.type}`)
    }
  },
}
