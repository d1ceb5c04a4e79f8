import { fail, ok, type Result } from '../result'
import { type ClientId, isClientId } from './graph'
import { KEY_BYTES } from './key-agreement'
import { SHARE_BYTES } from './shamir'
import { ENCRYPTED_SHARES_BYTES } from './share-encryption'

/**
 * The messages of one masked round (Bonawitz et al. 2017, figure 4, honest-but-curious variant: rounds 0, 1, 2
 * and 4; the consistency-check round 3 guards against an active server and is not part of this core). Plain
 * objects with byte arrays; the wire codec comes with the socket layer. Everything that arrives from the other
 * side is `unknown` until a parser here accepts it: shapes, lengths, ids and duplicates are checked, and a refusal
 * names what was wrong. What a parser cannot know (whether an id belongs to this round, whether a share is
 * genuine) the state machines check next.
 */

/** Round 0, client to server: the two public keys (c_u^PK encrypts shares, s_u^PK agrees masks). */
export interface AdvertiseKeys {
  readonly type: 'advertise-keys'
  readonly from: ClientId
  readonly encryptionPublicKey: Uint8Array
  readonly maskPublicKey: Uint8Array
}

export interface PeerKeys {
  readonly id: ClientId
  readonly encryptionPublicKey: Uint8Array
  readonly maskPublicKey: Uint8Array
}

/** Round 1, server to client: the keys of the client's live holders (its live neighbours and itself), U1 ∩ H(u). */
export interface ShareKeysRequest {
  readonly type: 'share-keys-request'
  readonly peers: readonly PeerKeys[]
}

/** Round 1, client to server: one ciphertext per peer named in the request, and a commitment to b_u. */
export interface ShareKeys {
  readonly type: 'share-keys'
  readonly from: ClientId
  /** SHA-256 commitment to b_u, so the server can tell a reconstruction from bad shares (an addition to the paper). */
  readonly selfMaskCommitment: Uint8Array
  readonly encryptedShares: readonly { readonly to: ClientId; readonly ciphertext: Uint8Array }[]
}

/** Round 2, server to client: the shares addressed to it by the neighbours that shared keys (U2 ∩ N(u)). */
export interface MaskedInputRequest {
  readonly type: 'masked-input-request'
  readonly encryptedShares: readonly { readonly from: ClientId; readonly ciphertext: Uint8Array }[]
}

/** Round 2, client to server: y_u. */
export interface MaskedInput {
  readonly type: 'masked-input'
  readonly from: ClientId
  readonly masked: Uint32Array
}

/** Round 4, server to client: which of its peers sent y (reveal b shares) and which dropped (reveal s^SK shares). */
export interface UnmaskRequest {
  readonly type: 'unmask-request'
  readonly survivors: readonly ClientId[]
  readonly dropped: readonly ClientId[]
}

export interface OwnedShare {
  readonly owner: ClientId
  readonly share: Uint8Array
}

/** Round 4, client to server: b shares of survivors, s^SK shares of dropped peers; never both for one peer. */
export interface UnmaskResponse {
  readonly type: 'unmask-response'
  readonly from: ClientId
  readonly selfMaskSeedShares: readonly OwnedShare[]
  readonly maskKeyShares: readonly OwnedShare[]
}

type Fields = Record<string, unknown>

const bad = (what: string): Result<never> => fail('bad-payload', what)

function record(input: unknown, type: string): Fields | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null
  return (input as Fields)['type'] === type ? (input as Fields) : null
}

const isBytes = (value: unknown, length: number): value is Uint8Array =>
  value instanceof Uint8Array && value.length === length

/** An array of at most `max` items, each accepted by `item`, with no id repeated; or the reason it is not. */
function list<T>(
  value: unknown,
  what: string,
  max: number,
  item: (entry: unknown) => T | null,
  id: (entry: T) => ClientId,
): T[] | string {
  if (!Array.isArray(value)) return `${what} must be a list`
  if (value.length > max) return `${what} has ${value.length} entries, at most ${max}`
  const out: T[] = []
  const seen = new Set<ClientId>()
  for (const [i, entry] of value.entries()) {
    const parsed = item(entry)
    if (parsed === null) return `${what}[${i}] is malformed`
    if (seen.has(id(parsed))) return `${what} names client ${id(parsed)} twice`
    seen.add(id(parsed))
    out.push(parsed)
  }
  return out
}

const idOf = <T extends { id: ClientId }>(entry: T) => entry.id
const fromOf = <T extends { from: ClientId }>(entry: T) => entry.from
const toOf = <T extends { to: ClientId }>(entry: T) => entry.to
const ownerOf = <T extends { owner: ClientId }>(entry: T) => entry.owner
const same = (entry: ClientId) => entry

function pick<T>(value: unknown, check: (fields: Fields) => T | null): T | null {
  return typeof value === 'object' && value !== null ? check(value as Fields) : null
}

export function parseAdvertiseKeys(input: unknown): Result<AdvertiseKeys> {
  const m = record(input, 'advertise-keys')
  if (!m) return bad('not an advertise-keys message')
  const { from, encryptionPublicKey, maskPublicKey } = m
  if (!isClientId(from)) return bad('advertise-keys: from must be a client id')
  if (!isBytes(encryptionPublicKey, KEY_BYTES) || !isBytes(maskPublicKey, KEY_BYTES)) {
    return bad(`advertise-keys: both public keys must be ${KEY_BYTES} bytes`)
  }
  return ok({ type: 'advertise-keys', from, encryptionPublicKey, maskPublicKey })
}

export function parseShareKeysRequest(input: unknown, maxPeers: number): Result<ShareKeysRequest> {
  const m = record(input, 'share-keys-request')
  if (!m) return bad('not a share-keys-request message')
  const peers = list(
    m['peers'],
    'share-keys-request peers',
    maxPeers,
    (entry) =>
      pick(entry, ({ id, encryptionPublicKey: e, maskPublicKey: s }) =>
        isClientId(id) && isBytes(e, KEY_BYTES) && isBytes(s, KEY_BYTES)
          ? { id, encryptionPublicKey: e, maskPublicKey: s }
          : null,
      ),
    idOf,
  )
  return typeof peers === 'string' ? bad(peers) : ok({ type: 'share-keys-request', peers })
}

export function parseShareKeys(input: unknown, maxPeers: number): Result<ShareKeys> {
  const m = record(input, 'share-keys')
  if (!m) return bad('not a share-keys message')
  const { from, selfMaskCommitment } = m
  if (!isClientId(from)) return bad('share-keys: from must be a client id')
  if (!isBytes(selfMaskCommitment, 32)) return bad('share-keys: the self-mask commitment must be 32 bytes')
  const encryptedShares = list(
    m['encryptedShares'],
    'share-keys encryptedShares',
    maxPeers,
    (entry) =>
      pick(entry, ({ to, ciphertext }) =>
        isClientId(to) && isBytes(ciphertext, ENCRYPTED_SHARES_BYTES) ? { to, ciphertext } : null,
      ),
    toOf,
  )
  if (typeof encryptedShares === 'string') return bad(encryptedShares)
  return ok({ type: 'share-keys', from, selfMaskCommitment, encryptedShares })
}

export function parseMaskedInputRequest(input: unknown, maxPeers: number): Result<MaskedInputRequest> {
  const m = record(input, 'masked-input-request')
  if (!m) return bad('not a masked-input-request message')
  const encryptedShares = list(
    m['encryptedShares'],
    'masked-input-request encryptedShares',
    maxPeers,
    (entry) =>
      pick(entry, ({ from, ciphertext }) =>
        isClientId(from) && isBytes(ciphertext, ENCRYPTED_SHARES_BYTES) ? { from, ciphertext } : null,
      ),
    fromOf,
  )
  if (typeof encryptedShares === 'string') return bad(encryptedShares)
  return ok({ type: 'masked-input-request', encryptedShares })
}

export function parseMaskedInput(input: unknown, vectorLength: number): Result<MaskedInput> {
  const m = record(input, 'masked-input')
  if (!m) return bad('not a masked-input message')
  const { from, masked } = m
  if (!isClientId(from)) return bad('masked-input: from must be a client id')
  if (!(masked instanceof Uint32Array) || masked.length !== vectorLength) {
    return bad(`masked-input: the masked vector must be a Uint32Array of ${vectorLength} words`)
  }
  return ok({ type: 'masked-input', from, masked })
}

export function parseUnmaskRequest(input: unknown, maxPeers: number): Result<UnmaskRequest> {
  const m = record(input, 'unmask-request')
  if (!m) return bad('not an unmask-request message')
  const ids = (value: unknown, what: string) =>
    list(value, `unmask-request ${what}`, maxPeers, (e) => (isClientId(e) ? e : null), same)
  const survivors = ids(m['survivors'], 'survivors')
  if (typeof survivors === 'string') return bad(survivors)
  const dropped = ids(m['dropped'], 'dropped')
  if (typeof dropped === 'string') return bad(dropped)
  return ok({ type: 'unmask-request', survivors, dropped })
}

export function parseUnmaskResponse(input: unknown, maxPeers: number): Result<UnmaskResponse> {
  const m = record(input, 'unmask-response')
  if (!m) return bad('not an unmask-response message')
  const { from } = m
  if (!isClientId(from)) return bad('unmask-response: from must be a client id')
  const shares = (value: unknown, what: string) =>
    list(
      value,
      `unmask-response ${what}`,
      maxPeers,
      (entry) =>
        pick(entry, ({ owner, share }) =>
          isClientId(owner) && isBytes(share, SHARE_BYTES) ? { owner, share } : null,
        ),
      ownerOf,
    )
  const selfMaskSeedShares = shares(m['selfMaskSeedShares'], 'selfMaskSeedShares')
  if (typeof selfMaskSeedShares === 'string') return bad(selfMaskSeedShares)
  const maskKeyShares = shares(m['maskKeyShares'], 'maskKeyShares')
  if (typeof maskKeyShares === 'string') return bad(maskKeyShares)
  return ok({ type: 'unmask-response', from, selfMaskSeedShares, maskKeyShares })
}
