import { z } from 'zod'
import { canonicalBytes } from '../chain/encoding'
import { type KeyPair, sign, verifySignature } from '../chain/keys'
import { randomHexId, signatureHexSchema } from '../ids'
import { fail, ok, type Result } from '../result'

/**
 * Proof of key possession for joining a task or fetching a bought model. The coordinator hands each connection a
 * fresh random challenge; the peer signs { purpose, challenge, connection, scope, publicKey, timestamp } with its
 * account key. A signature is good once, on the connection it was issued to, for the task or purchase it names and
 * within `PROOF_WINDOW_MS` of the coordinator's clock: a replayed, foreign or stale proof is refused.
 */
export interface JoinChallenge {
  /** 32 random bytes, hex. */
  readonly challenge: string
  /** The socket.io connection id the challenge belongs to. */
  readonly connection: string
  readonly issuedAt: number
}

/** A signed answer to this connection's challenge, as it travels in `client:hello` and `market:model`. */
export const identityProofSchema = z.object({
  timestamp: z.number().int().min(0).max(8.64e15),
  /** Ed25519 signature (hex) of `proofStatement(...)`. */
  signature: signatureHexSchema,
})
export type IdentityProof = Readonly<z.infer<typeof identityProofSchema>>

export type ProofPurpose = 'privx-join' | 'privx-model-request'

/** How far a proof's timestamp may be from the coordinator's clock, and how long a challenge stays usable. */
export const PROOF_WINDOW_MS = 2 * 60_000

export function newChallenge(connection: string, now: number): JoinChallenge {
  return { challenge: randomHexId(32), connection, issuedAt: now }
}

export function proofStatement(
  purpose: ProofPurpose,
  challenge: JoinChallenge,
  scope: string,
  publicKey: string,
  timestamp: number,
): Uint8Array {
  return canonicalBytes({
    purpose,
    challenge: challenge.challenge,
    connection: challenge.connection,
    scope,
    publicKey,
    timestamp,
  })
}

/** Signs a challenge for `scope` (a task id or a purchase id) with the account key. */
export function proveIdentity(
  keys: KeyPair,
  purpose: ProofPurpose,
  challenge: JoinChallenge,
  scope: string,
  now: number = Date.now(),
): IdentityProof {
  const statement = proofStatement(purpose, challenge, scope, keys.publicKey, now)
  return { timestamp: now, signature: sign(statement, keys.secretKey) }
}

/**
 * Checks a proof against the challenge this connection was issued (null: none, or already used). The caller
 * consumes the challenge whatever the outcome, so a signature is tried once.
 */
export function checkIdentityProof(
  issued: JoinChallenge | null,
  purpose: ProofPurpose,
  scope: string,
  publicKey: string,
  proof: IdentityProof,
  now: number,
): Result<null> {
  if (!issued)
    return fail('unauthorized', 'no challenge is outstanding on this connection: ask client:challenge first')
  if (now - issued.issuedAt > PROOF_WINDOW_MS)
    return fail('unauthorized', 'the challenge has expired: ask client:challenge for a fresh one')
  if (Math.abs(proof.timestamp - now) > PROOF_WINDOW_MS)
    return fail(
      'unauthorized',
      `proof.timestamp is ${Math.round((proof.timestamp - now) / 1000)} s from the coordinator's clock (at most ${PROOF_WINDOW_MS / 1000} s)`,
    )
  const statement = proofStatement(purpose, issued, scope, publicKey, proof.timestamp)
  if (!verifySignature(proof.signature, statement, publicKey))
    return fail(
      'unauthorized',
      `proof.signature is not ${publicKey.slice(0, 12)}…'s signature of this connection's challenge for "${scope}"`,
    )
  return ok(null)
}
