import { parsePayload } from '../parse'
import { fail, ok, type Result } from '../result'
import { canonicalBytes, hashOf, type Json } from './encoding'
import { type Address, addressOf, type KeyPair, sign, verifySignature } from './keys'
import { transactionSchema } from './schema'

/** What a transaction says; its id is the SHA-256 of this body's canonical encoding, and that id is signed. */
export interface TransactionBody {
  readonly chainId: string
  readonly from: Address
  readonly publicKey: string
  /** The sender's count of earlier transactions: each nonce is used once, in order (replay protection). */
  readonly nonce: number
  /** `contract.action`, e.g. "token.transfer". */
  readonly type: string
  readonly payload: Json
  readonly timestamp: number
}

export interface SignedTransaction {
  readonly id: string
  readonly body: TransactionBody
  readonly signature: string
}

const idOf = (body: TransactionBody): string => hashOf(body as unknown as Json)

export function signTransaction(
  keys: KeyPair,
  fields: { chainId: string; nonce: number; type: string; payload: Json; timestamp: number },
): SignedTransaction {
  const body: TransactionBody = { ...fields, from: keys.address, publicKey: keys.publicKey }
  const id = idOf(body)
  return { id, body, signature: sign(canonicalBytes(id), keys.secretKey) }
}

/**
 * Checks a transaction on its own: the right chain, an id that is the hash of its body, a sender address derived
 * from its public key, and a valid signature. Nonces and contract rules are checked when it is applied.
 */
/**
 * Largest canonical transaction body: a market listing of a few hundred columns with its DP summary fits; a
 * payload of junk that every node would keep forever does not.
 */
export const MAX_TRANSACTION_BYTES = 64 * 1024

export function checkTransaction(tx: SignedTransaction, chainId: string): Result<null> {
  const shaped = parsePayload(transactionSchema, tx, 'transaction')
  if (!shaped.ok) return shaped
  const size = canonicalBytes(tx.body as unknown as Json).length
  if (size > MAX_TRANSACTION_BYTES)
    return fail(
      'too-large',
      `transaction ${tx.id.slice(0, 12)} is ${size} bytes; a transaction may take ${MAX_TRANSACTION_BYTES} (the chain keeps every byte for good)`,
    )
  if (tx.body.chainId !== chainId)
    return fail(
      'bad-payload',
      `transaction ${tx.id.slice(0, 12)} is for chain "${tx.body.chainId}", not "${chainId}"`,
    )
  if (idOf(tx.body) !== tx.id)
    return fail('bad-payload', `transaction id ${tx.id.slice(0, 12)} is not the hash of its body`)
  if (addressOf(tx.body.publicKey) !== tx.body.from)
    return fail('bad-payload', `sender ${tx.body.from} does not match its public key`)
  if (!verifySignature(tx.signature, canonicalBytes(tx.id), tx.body.publicKey)) {
    return fail('unauthorized', `transaction ${tx.id.slice(0, 12)} has an invalid signature`)
  }
  return ok(null)
}
