import { fail, ok, type Result } from '../result'
import { equalBytes, selfMaskCommitment } from './commitment'
import { buildGraph, type ClientId } from './graph'
import { generateKeyPair, type KeyPair, pairwiseMaskSeed, shareEncryptionKeys } from './key-agreement'
import { maskInput, type PairwiseSeed } from './masking'
import {
  type AdvertiseKeys,
  type MaskedInput,
  type PeerKeys,
  parseMaskedInputRequest,
  parseShareKeysRequest,
  parseUnmaskRequest,
  type ShareKeys,
  type UnmaskResponse,
} from './messages'
import { paramsProblems, type SecAggParams } from './params'
import { planQuantizer, type Quantizer, quantize } from './quantization'
import { randomBytes } from './random'
import { SECRET_BYTES, shareSecret } from './shamir'
import { decryptShares, encryptShares, type SharePair } from './share-encryption'

/**
 * One client's side of a masked round (Bonawitz et al. 2017, figure 4, honest-but-curious; with SecAgg+'s
 * neighbourhoods, Bell et al. 2020): a state machine with no I/O. Each step takes the server's message as `unknown`
 * (hostile until parsed), checks it against what this client knows, and returns its answer or a refusal.
 *
 *   created --advertiseKeys--> advertised --shareKeys--> shared --maskInput--> masked --unmask (repeatable)
 *
 * The rule that makes dropouts safe (figure 4, round 4): for any peer, reveal the share of its self-mask seed b_v
 * (it sent y_v) or the share of its mask key s_v^SK (it dropped), never both, across every request of the round;
 * and never the s^SK share of a client that sent y, itself included. Holding both would let the server strip every
 * mask from y_v.
 */
export type ClientPhase = 'created' | 'advertised' | 'shared' | 'masked'
type Revealed = 'self-mask seed' | 'mask key'

export class SecAggClient {
  private phase: ClientPhase = 'created'
  private readonly encryptionKeys: KeyPair = generateKeyPair()
  private readonly maskKeys: KeyPair = generateKeyPair()
  private readonly quantizer: Quantizer
  /** Its neighbours and itself: who may hold its shares, and whose shares it may hold. */
  private readonly holders: ReadonlySet<ClientId>
  private peers = new Map<ClientId, PeerKeys>()
  private incomingKeys = new Map<ClientId, Uint8Array>()
  private selfMaskSeed: Uint8Array | null = null
  /** Shares of peers' secrets this client holds (its own included). */
  private readonly heldShares = new Map<ClientId, SharePair>()
  /** Peers whose encrypted shares failed to open: it masked with them but cannot help unmask them. */
  private readonly unreadable = new Map<ClientId, string>()
  private maskedWith: ReadonlySet<ClientId> = new Set()
  private readonly revealed = new Map<ClientId, Revealed>()

  private constructor(
    readonly params: SecAggParams,
    readonly id: ClientId,
  ) {
    this.quantizer = planQuantizer(params.clamp, params.bits, params.clientIds.length)
    const neighbours = buildGraph(params.clientIds, params.neighbours, params.graphSeed).get(id)!
    this.holders = new Set([...neighbours, id])
  }

  /** A client for `params` (checked here: a client refuses parameters that would weaken its secrets). */
  static create(params: SecAggParams, id: ClientId): Result<SecAggClient> {
    const problems = paramsProblems(params)
    if (problems.length > 0)
      return fail('invalid-config', `secure aggregation parameters: ${problems.join('; ')}`)
    if (!params.clientIds.includes(id)) return fail('not-selected', `client ${id} is not in this round`)
    return ok(new SecAggClient(params, id))
  }

  get currentPhase(): ClientPhase {
    return this.phase
  }

  /** Peers whose shares this client could not read, with the reason (for the round's report). */
  get unreadableShares(): ReadonlyMap<ClientId, string> {
    return this.unreadable
  }

  /** Round 0: the two public keys. */
  advertiseKeys(): Result<AdvertiseKeys> {
    if (this.phase !== 'created') return this.outOfOrder('advertise keys')
    this.phase = 'advertised'
    return ok({
      type: 'advertise-keys',
      from: this.id,
      encryptionPublicKey: this.encryptionKeys.publicKey,
      maskPublicKey: this.maskKeys.publicKey,
    })
  }

  /**
   * Round 1: checks the holders' keys (only its own neighbours, itself with its own keys, every key distinct, at
   * least t holders), draws b_u, splits b_u and s_u^SK t-out-of-|holders| and encrypts each holder's pair.
   */
  async shareKeys(input: unknown): Promise<Result<ShareKeys>> {
    if (this.phase !== 'advertised') return this.outOfOrder('share keys')
    const parsed = parseShareKeysRequest(input, this.holders.size)
    if (!parsed.ok) return parsed
    const { peers } = parsed.value
    const { threshold, roundId } = this.params
    const stranger = peers.find((p) => !this.holders.has(p.id))
    if (stranger) return fail('bad-payload', `client ${stranger.id} is not a neighbour of client ${this.id}`)
    const own = peers.find((p) => p.id === this.id)
    const ownKeysCarried =
      own !== undefined &&
      equalBytes(own.encryptionPublicKey, this.encryptionKeys.publicKey) &&
      equalBytes(own.maskPublicKey, this.maskKeys.publicKey)
    if (!ownKeysCarried)
      return fail('bad-payload', `the key list does not carry client ${this.id}'s own keys`)
    const keys = new Set(peers.flatMap((p) => [hex(p.encryptionPublicKey), hex(p.maskPublicKey)]))
    if (keys.size !== 2 * peers.length) return fail('bad-payload', 'two public keys in the list are equal')
    if (peers.length < threshold) {
      return fail(
        'forbidden',
        `only ${peers.length} live holders for client ${this.id}'s shares; threshold t = ${threshold}`,
      )
    }
    const outgoing = new Map<ClientId, Uint8Array>()
    for (const peer of peers) {
      if (peer.id === this.id) continue
      try {
        const keys = shareEncryptionKeys(
          this.encryptionKeys.secretKey,
          peer.encryptionPublicKey,
          roundId,
          this.id,
          peer.id,
        )
        outgoing.set(peer.id, keys.outgoing)
        this.incomingKeys.set(peer.id, keys.incoming)
      } catch {
        return fail('bad-payload', `client ${peer.id}'s encryption key is not a usable X25519 key`)
      }
    }
    const selfMaskSeed = randomBytes(SECRET_BYTES)
    const ids = peers.map((p) => p.id)
    const seedShares = await shareSecret(selfMaskSeed, ids, threshold)
    const keyShares = await shareSecret(this.maskKeys.secretKey, ids, threshold)
    const encryptedShares: { to: ClientId; ciphertext: Uint8Array }[] = []
    for (const to of ids) {
      const pair = { selfMaskSeedShare: seedShares.get(to)!, maskKeyShare: keyShares.get(to)! }
      if (to === this.id) this.heldShares.set(to, pair)
      else
        encryptedShares.push({ to, ciphertext: encryptShares(outgoing.get(to)!, roundId, this.id, to, pair) })
    }
    this.peers = new Map(peers.map((p) => [p.id, p]))
    this.selfMaskSeed = selfMaskSeed
    this.phase = 'shared'
    return ok({
      type: 'share-keys',
      from: this.id,
      selfMaskCommitment: selfMaskCommitment(roundId, this.id, selfMaskSeed),
      encryptedShares,
    })
  }

  /**
   * Round 2: quantizes `update` (clip, scale, stochastic rounding) and masks it; see `maskQuantizedInput`.
   */
  maskInput(input: unknown, update: ArrayLike<number>): Result<MaskedInput> {
    if (this.phase !== 'shared') return this.outOfOrder('mask its input')
    if (update.length !== this.params.vectorLength) {
      return fail(
        'wrong-shape',
        `the update has ${update.length} coordinates, the round sums ${this.params.vectorLength}`,
      )
    }
    let quantized: Uint32Array
    try {
      quantized = quantize(update, this.quantizer)
    } catch (error) {
      return fail('non-finite', `the update cannot be quantized: ${(error as Error).message}`)
    }
    return this.maskQuantizedInput(input, quantized)
  }

  /**
   * Round 2 for an input already on the integer grid (each word a signed value within +-(2^(bits-1) - 1), stored
   * mod 2^32; where integer noise for distributed DP is added): opens the shares its live neighbours sent (kept
   * for round 4) and masks the input with b_u and one pairwise seed per sender. A share that fails to open is
   * noted, not fatal: the pairwise mask depends only on the keys, so masking stays consistent with the server.
   */
  maskQuantizedInput(input: unknown, quantized: Uint32Array): Result<MaskedInput> {
    if (this.phase !== 'shared') return this.outOfOrder('mask its input')
    const parsed = parseMaskedInputRequest(input, this.holders.size)
    if (!parsed.ok) return parsed
    const { encryptedShares } = parsed.value
    const { threshold, roundId, vectorLength } = this.params
    const stranger = encryptedShares.find((e) => e.from === this.id || !this.peers.has(e.from))
    if (stranger)
      return fail('bad-payload', `client ${stranger.from} was not in client ${this.id}'s key list`)
    if (encryptedShares.length + 1 < threshold) {
      return fail('forbidden', `only ${encryptedShares.length + 1} live holders; threshold t = ${threshold}`)
    }
    if (!(quantized instanceof Uint32Array) || quantized.length !== vectorLength) {
      return fail('wrong-shape', `the quantized input must be a Uint32Array of ${vectorLength} words`)
    }
    const { maxLevel } = this.quantizer
    const outside = quantized.findIndex((word) => Math.abs(word | 0) > maxLevel)
    if (outside >= 0) {
      return fail(
        'too-large',
        `coordinate ${outside} lies outside +-${maxLevel}: the sum would lose its headroom`,
      )
    }
    const pairwiseSeeds: PairwiseSeed[] = []
    for (const { from, ciphertext } of encryptedShares) {
      try {
        const maskKey = this.peers.get(from)!.maskPublicKey
        pairwiseSeeds.push({
          peer: from,
          seed: pairwiseMaskSeed(this.maskKeys.secretKey, maskKey, roundId, this.id, from),
        })
      } catch {
        return fail('bad-payload', `client ${from}'s mask key is not a usable X25519 key`)
      }
      const opened = decryptShares(this.incomingKeys.get(from)!, roundId, from, this.id, ciphertext)
      if (opened.ok) this.heldShares.set(from, opened.shares)
      else this.unreadable.set(from, opened.reason)
    }
    const masked = maskInput(quantized, this.id, this.selfMaskSeed!, pairwiseSeeds)
    // b_u is not needed again: from here on only its shares, with the holders, can bring it back.
    this.selfMaskSeed!.fill(0)
    this.selfMaskSeed = null
    this.maskedWith = new Set(encryptedShares.map((e) => e.from))
    this.phase = 'masked'
    return ok({ type: 'masked-input', from: this.id, masked })
  }

  /**
   * Round 4: b shares for the survivors, s^SK shares for the dropped; refuses a request that would reveal both for
   * one peer (in this request or with an earlier one), that calls itself dropped, or that names fewer than t
   * survivors among its holders (the sum would then cover too few inputs).
   */
  unmask(input: unknown): Result<UnmaskResponse> {
    if (this.phase !== 'masked') return this.outOfOrder('unmask')
    const parsed = parseUnmaskRequest(input, this.holders.size)
    if (!parsed.ok) return parsed
    const { survivors, dropped } = parsed.value
    const known = (id: ClientId) => id === this.id || this.maskedWith.has(id)
    const stranger = [...survivors, ...dropped].find((id) => !known(id))
    if (stranger !== undefined)
      return fail('bad-payload', `client ${stranger} is not a peer of client ${this.id}`)
    if (dropped.includes(this.id)) {
      return fail('forbidden', `client ${this.id} sent its masked input: it never reveals its own mask key`)
    }
    const both = survivors.find((id) => dropped.includes(id))
    if (both !== undefined)
      return fail('forbidden', `the request asks for both shares of client ${both}: refused`)
    const wanted: [ClientId, Revealed][] = [
      ...survivors.map((id): [ClientId, Revealed] => [id, 'self-mask seed']),
      ...dropped.map((id): [ClientId, Revealed] => [id, 'mask key']),
    ]
    const conflict = wanted.find(([id, kind]) => (this.revealed.get(id) ?? kind) !== kind)
    if (conflict) {
      const [id, kind] = conflict
      return fail(
        'forbidden',
        `the ${this.revealed.get(id)} share of client ${id} was revealed before; its ${kind} share never will be`,
      )
    }
    const survivorCount = new Set([...survivors, this.id]).size
    if (survivorCount < this.params.threshold) {
      return fail(
        'forbidden',
        `only ${survivorCount} survivors among client ${this.id}'s holders; threshold t = ${this.params.threshold}`,
      )
    }
    for (const [id, kind] of wanted) this.revealed.set(id, kind)
    const share = (id: ClientId, kind: keyof SharePair) => {
      const held = this.heldShares.get(id)
      return held ? [{ owner: id, share: held[kind] }] : []
    }
    return ok({
      type: 'unmask-response',
      from: this.id,
      selfMaskSeedShares: survivors.flatMap((id) => share(id, 'selfMaskSeedShare')),
      maskKeyShares: dropped.flatMap((id) => share(id, 'maskKeyShare')),
    })
  }

  private outOfOrder(action: string): Result<never> {
    return fail('invalid-state', `client ${this.id} cannot ${action} in phase "${this.phase}"`)
  }
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
