import type { KeyPair } from '../../shared/chain/keys'
import { type JoinChallenge, proveIdentity } from '../../shared/identity/proof'
import { PROTOCOL_VERSION } from '../../shared/protocol'
import type { Result } from '../../shared/result'

type Send = (event: string, payload: unknown) => Promise<Result<unknown>>

/** A hello with a fresh proof of `keys` for this connection (as a tab sends it), for raw test peers. */
export async function provenHello(
  send: Send,
  keys: KeyPair,
  taskId: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const challenge = await send('client:challenge', {})
  if (!challenge.ok) throw new Error(`no challenge: ${challenge.error.message}`)
  return {
    protocol: PROTOCOL_VERSION,
    backend: 'raw',
    taskId,
    publicKey: keys.publicKey,
    proof: proveIdentity(keys, 'privx-join', challenge.value as JoinChallenge, taskId),
    ...extra,
  }
}
