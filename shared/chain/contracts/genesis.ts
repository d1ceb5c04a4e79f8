import { z } from 'zod'
import { parsePayload } from '../../parse'
import { fail, ok } from '../../result'
import type { Contract } from './contract'

const genesisSchema = z.object({ faucetAmount: z.int().min(0).max(1e12) })

/** `chain.genesis`: the first transaction of block 0; its sender becomes the producer, with the faucet grant set. */
export const genesisContract: Contract = {
  prefix: 'chain',
  apply(state, tx) {
    if (tx.type !== 'chain.genesis') return fail('bad-payload', `unknown transaction type ${tx.type}`)
    if (state.producer !== null) return fail('forbidden', 'the chain already has its genesis')
    const payload = parsePayload(genesisSchema, tx.payload, 'genesis')
    if (!payload.ok) return payload
    return ok({ ...state, producer: tx.from, faucetAmount: payload.value.faucetAmount })
  },
}
