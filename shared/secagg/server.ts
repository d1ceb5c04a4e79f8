import { type ErrorCode, fail, ok, type Result } from '../result'
import { buildGraph, type ClientId } from './graph'
import { isUsablePublicKey } from './key-agreement'
import { keepClientsWithLiveHolders } from './live-holders'
import { addMask } from './masking'
import {
  type AdvertiseKeys,
  type MaskedInputRequest,
  type PeerKeys,
  parseAdvertiseKeys,
  parseMaskedInput,
  parseShareKeys,
  parseUnmaskResponse,
  type ShareKeys,
  type ShareKeysRequest,
  type UnmaskRequest,
  type UnmaskResponse,
} from './messages'
import { holderCount, paramsProblems, type SecAggParams } from './params'
import { dequantizeAverage, planQuantizer, type Quantizer } from './quantization'
import {
  type Abandonment,
  MAX_REFUSALS_KEPT,
  type RoundReport,
  type SecAggOutcome,
  type ServerPhase,
} from './round-report'
import { removeMasks } from './unmasking'

/**
 * The server's side of a masked round (Bonawitz et al. 2017, figure 4; SecAgg+ neighbourhoods, Bell et al. 2020),
 * with no I/O and no clock: the socket layer feeds it messages with their authenticated sender, and closes each
 * phase at its deadline. Closing a phase fixes its set of live clients, U1 (advertised keys), U2 (shared keys), U3
 * (sent masked input), U4 (answered unmasking), and checks the threshold t before going on:
 *
 * - After rounds 0 and 1, a client with fewer than t live holders of its shares is excluded (it has sent nothing
 *   that depends on its neighbours yet), repeatedly until every remaining client has t; then |U| >= t overall.
 * - After round 2 nothing can be excluded (masks entangle inputs): |U3| >= t, every survivor needs t live holders
 *   for its b shares, every dropped client that a survivor masked with needs t live holders for its s^SK shares.
 * - After round 4: every needed secret must gather t shares and pass its check.
 *
 * Below the threshold the round is abandoned with the phase and the counts; the masked sum is wiped, so no
 * partial sum is ever revealed. Expected refusals of single messages (wrong phase, unknown sender, malformed,
 * duplicate) are returned as values and recorded; they never throw.
 */
type Collected<T> = Map<ClientId, T>

export class SecAggServer {
  private phase: ServerPhase = 'advertise-keys'
  private readonly graph: ReadonlyMap<ClientId, ReadonlySet<ClientId>>
  private readonly quantizer: Quantizer
  private readonly maxPeers: number
  private readonly keys: Collected<PeerKeys> = new Map()
  private readonly seenKeys = new Set<string>()
  /** u -> its live holders when round 1 began (H(u) ∩ U1): whom it encrypts shares for. */
  private holders: Collected<ReadonlySet<ClientId>> = new Map()
  private shareKeys: Collected<ShareKeys> = new Map()
  private readonly commitments: Collected<Uint8Array> = new Map()
  /** u -> the neighbours whose shares it received in round 2 (U2 ∩ N(u)): exactly those it masks with. */
  private maskedWith: Collected<readonly ClientId[]> = new Map()
  private sum: Uint32Array | null = null
  private readonly maskedFrom = new Set<ClientId>()
  private unmaskRequests: Collected<UnmaskRequest> = new Map()
  private readonly selfMaskSeedShares: Collected<Map<ClientId, Uint8Array>> = new Map()
  private readonly maskKeyShares: Collected<Map<ClientId, Uint8Array>> = new Map()
  private readonly responders = new Set<ClientId>()
  private readonly live = { u1: new Set<ClientId>(), u2: new Set<ClientId>(), u3: new Set<ClientId>() }
  private readonly report = {
    dropped: {
      'advertise-keys': [],
      'share-keys': [],
      'masked-input': [],
      unmasking: [],
    } as RoundReport['dropped'],
    excluded: new Map<ClientId, string>(),
    refused: [] as { from: ClientId; reason: string }[],
    refusedCount: 0,
    abandoned: null as Abandonment | null,
  }

  private constructor(readonly params: SecAggParams) {
    this.graph = buildGraph(params.clientIds, params.neighbours, params.graphSeed)
    this.quantizer = planQuantizer(params.clamp, params.bits, params.clientIds.length)
    this.maxPeers = holderCount(params.neighbours)
  }

  static create(params: SecAggParams): Result<SecAggServer> {
    const problems = paramsProblems(params)
    if (problems.length > 0)
      return fail('invalid-config', `secure aggregation parameters: ${problems.join('; ')}`)
    return ok(new SecAggServer(params))
  }

  get currentPhase(): ServerPhase {
    return this.phase
  }

  /** Who fell out where, what was refused, and why the round was abandoned (if it was). */
  get roundReport(): RoundReport {
    return this.report
  }

  /** U1, U2, U3 as fixed so far, and U4 (the unmasking responders so far). */
  get liveSets(): {
    u1: ReadonlySet<ClientId>
    u2: ReadonlySet<ClientId>
    u3: ReadonlySet<ClientId>
    u4: ReadonlySet<ClientId>
  } {
    return { ...this.live, u4: this.responders }
  }

  /** Round 0: a client's public keys; refused when malformed, repeated, reused from another client, or unusable. */
  receiveAdvertiseKeys(sender: ClientId, input: unknown): Result<void> {
    const parse = (): Result<AdvertiseKeys> => {
      const parsed = parseAdvertiseKeys(input)
      if (!parsed.ok) return parsed
      const { encryptionPublicKey, maskPublicKey } = parsed.value
      if (!isUsablePublicKey(encryptionPublicKey) || !isUsablePublicKey(maskPublicKey)) {
        return fail('bad-payload', 'a public key is not a usable X25519 key (a low-order point)')
      }
      const spelled = [hex(encryptionPublicKey), hex(maskPublicKey)]
      if (spelled[0] === spelled[1] || spelled.some((k) => this.seenKeys.has(k))) {
        return fail('bad-payload', 'a public key repeats one already advertised in this round')
      }
      return parsed
    }
    return this.accept(
      sender,
      'advertise-keys',
      new Set(this.params.clientIds),
      this.keys,
      parse,
      (message) => {
        this.seenKeys.add(hex(message.encryptionPublicKey))
        this.seenKeys.add(hex(message.maskPublicKey))
        const { encryptionPublicKey, maskPublicKey } = message
        this.keys.set(sender, { id: sender, encryptionPublicKey, maskPublicKey })
      },
    )
  }

  /** Closes round 0: fixes U1 and sends each client its live holders' keys. */
  closeAdvertising(): Result<Map<ClientId, ShareKeysRequest>, Abandonment> {
    if (this.phase !== 'advertise-keys') return this.closeOutOfOrder('advertise-keys')
    const u1 = this.prune('advertise-keys', new Set(this.keys.keys()), (u) => [u, ...this.graph.get(u)!])
    this.noteDropped('advertise-keys', new Set(this.params.clientIds), u1)
    const short = this.belowThreshold('advertise-keys', this.keys.size, u1.size, 'advertised keys')
    if (short) return short
    this.live.u1 = u1
    const requests = new Map<ClientId, ShareKeysRequest>()
    for (const u of u1) {
      const holders = new Set([u, ...[...this.graph.get(u)!].filter((v) => u1.has(v))])
      this.holders.set(u, holders)
      requests.set(u, {
        type: 'share-keys-request',
        peers: [...holders].sort((a, b) => a - b).map((v) => this.keys.get(v)!),
      })
    }
    this.phase = 'share-keys'
    return ok(requests)
  }

  /** Round 1: a client's encrypted shares, exactly one for each holder it was given besides itself. */
  receiveShareKeys(sender: ClientId, input: unknown): Result<void> {
    const parse = (): Result<ShareKeys> => {
      const parsed = parseShareKeys(input, this.maxPeers)
      if (!parsed.ok) return parsed
      const expected = [...(this.holders.get(sender) ?? [])].filter((v) => v !== sender)
      const named = new Set(parsed.value.encryptedShares.map((e) => e.to))
      if (named.size !== expected.length || expected.some((v) => !named.has(v))) {
        return fail(
          'bad-payload',
          `share-keys must carry one ciphertext for each of ${expected.length} holders: ${expected.join(', ')}`,
        )
      }
      return parsed
    }
    return this.accept(sender, 'share-keys', this.live.u1, this.shareKeys, parse, (message) => {
      this.shareKeys.set(sender, message)
    })
  }

  /** Closes round 1: fixes U2 and forwards to each client the shares addressed to it. */
  closeSharing(): Result<Map<ClientId, MaskedInputRequest>, Abandonment> {
    if (this.phase !== 'share-keys') return this.closeOutOfOrder('share-keys')
    const u2 = this.prune('share-keys', new Set(this.shareKeys.keys()), (u) => [...this.holders.get(u)!])
    this.noteDropped('share-keys', this.live.u1, u2)
    const short = this.belowThreshold('share-keys', this.shareKeys.size, u2.size, 'shared keys')
    if (short) return short
    this.live.u2 = u2
    const requests = new Map<ClientId, MaskedInputRequest>()
    for (const u of u2) {
      const senders = [...this.holders.get(u)!].filter((v) => v !== u && u2.has(v)).sort((a, b) => a - b)
      this.maskedWith.set(u, senders)
      const encryptedShares = senders.map((from) => ({
        from,
        ciphertext: this.shareKeys.get(from)!.encryptedShares.find((e) => e.to === u)!.ciphertext,
      }))
      requests.set(u, { type: 'masked-input-request', encryptedShares })
    }
    for (const u of u2) this.commitments.set(u, this.shareKeys.get(u)!.selfMaskCommitment)
    this.shareKeys = new Map() // forwarded: the server keeps only the commitments
    this.phase = 'masked-input'
    return ok(requests)
  }

  /** Round 2: a client's masked input y_u, added into the running sum at once (memory: one vector). */
  receiveMaskedInput(sender: ClientId, input: unknown): Result<void> {
    const parse = () => parseMaskedInput(input, this.params.vectorLength)
    return this.accept(sender, 'masked-input', this.live.u2, this.maskedFrom, parse, (message) => {
      this.sum ??= new Uint32Array(this.params.vectorLength)
      addMask(this.sum, message.masked, 1)
      this.maskedFrom.add(sender)
    })
  }

  /** Closes round 2: fixes U3, checks every secret the unmasking needs can still gather t shares, asks for them. */
  closeMaskedInput(): Result<Map<ClientId, UnmaskRequest>, Abandonment> {
    if (this.phase !== 'masked-input') return this.closeOutOfOrder('masked-input')
    const u3 = new Set(this.maskedFrom)
    this.noteDropped('masked-input', this.live.u2, u3)
    const short = this.belowThreshold('masked-input', u3.size, u3.size, 'sent masked input')
    if (short) return short
    const { threshold } = this.params
    for (const u of this.live.u2) {
      const peers = this.maskedWith.get(u)!
      const liveHolders = peers.filter((v) => u3.has(v)).length + (u3.has(u) ? 1 : 0)
      if (u3.has(u) || liveHolders > 0) {
        if (liveHolders < threshold) {
          const secret = u3.has(u) ? 'self-mask seed' : 'mask key'
          return this.abandon(
            'masked-input',
            `client ${u}'s ${secret} has ${liveHolders} live holders; threshold t = ${threshold}`,
          )
        }
      }
    }
    this.live.u3 = u3
    for (const u of u3) {
      const peers = this.maskedWith.get(u)!
      this.unmaskRequests.set(u, {
        type: 'unmask-request',
        survivors: [u, ...peers.filter((v) => u3.has(v))].sort((a, b) => a - b),
        dropped: peers.filter((v) => !u3.has(v)),
      })
    }
    this.phase = 'unmasking'
    return ok(new Map(this.unmaskRequests))
  }

  /** Round 4: a survivor's shares, only for the peers and the kinds it was asked for. */
  receiveUnmaskResponse(sender: ClientId, input: unknown): Result<void> {
    const parse = (): Result<UnmaskResponse> => {
      const parsed = parseUnmaskResponse(input, this.maxPeers)
      if (!parsed.ok) return parsed
      const asked = this.unmaskRequests.get(sender)
      const { selfMaskSeedShares, maskKeyShares } = parsed.value
      const stray = [
        ...selfMaskSeedShares.filter((s) => !asked?.survivors.includes(s.owner)),
        ...maskKeyShares.filter((s) => !asked?.dropped.includes(s.owner)),
      ][0]
      if (stray)
        return fail('bad-payload', `a share of client ${stray.owner} of a kind that was not asked for`)
      return parsed
    }
    return this.accept(sender, 'unmasking', this.live.u3, this.responders, parse, (message) => {
      const file = (into: Collected<Map<ClientId, Uint8Array>>, owner: ClientId, share: Uint8Array) => {
        const held = into.get(owner) ?? new Map<ClientId, Uint8Array>()
        held.set(sender, share)
        into.set(owner, held)
      }
      for (const { owner, share } of message.selfMaskSeedShares) file(this.selfMaskSeedShares, owner, share)
      for (const { owner, share } of message.maskKeyShares) file(this.maskKeyShares, owner, share)
      this.responders.add(sender)
    })
  }

  /** Closes round 4: fixes U4, rebuilds the secrets, removes every mask; the sum and the average of U3's inputs. */
  async finish(): Promise<Result<SecAggOutcome, Abandonment>> {
    if (this.phase !== 'unmasking') return this.closeOutOfOrder('unmasking')
    this.noteDropped('unmasking', this.live.u3, this.responders)
    const short = this.belowThreshold(
      'unmasking',
      this.responders.size,
      this.responders.size,
      'answered the unmasking',
    )
    if (short) return short
    const sum = this.sum!
    const dropped = new Map<ClientId, ClientId[]>()
    for (const v of this.live.u2) {
      if (!this.live.u3.has(v))
        dropped.set(
          v,
          this.maskedWith.get(v)!.filter((u) => this.live.u3.has(u)),
        )
    }
    const removed = await removeMasks({
      roundId: this.params.roundId,
      threshold: this.params.threshold,
      sum,
      survivors: this.live.u3,
      dropped,
      maskPublicKeys: new Map([...this.keys].map(([id, k]) => [id, k.maskPublicKey])),
      selfMaskCommitments: this.commitments,
      selfMaskSeedShares: this.selfMaskSeedShares,
      maskKeyShares: this.maskKeyShares,
    })
    if (!removed.ok) return this.abandon('unmasking', removed.reason)
    this.sum = null
    this.phase = 'finished'
    const survivors = [...this.live.u3].sort((a, b) => a - b)
    const average = dequantizeAverage(sum, survivors.length, this.quantizer)
    return ok({ sum, average, survivors, report: this.report })
  }

  /**
   * The shared steps of every receive: right phase, a sender allowed in it, not heard from before, a message that
   * parses (`parse` only reads state) and names its sender; only then `commit` changes state. A refusal is recorded
   * and leaves the state as it was.
   */
  private accept<T extends { readonly from: ClientId }>(
    sender: ClientId,
    phase: ServerPhase,
    allowed: ReadonlySet<ClientId>,
    heard: { has(id: ClientId): boolean },
    parse: () => Result<T>,
    commit: (message: T) => void,
  ): Result<void> {
    const refuse = (code: ErrorCode, message: string): Result<void> => {
      this.report.refusedCount++
      if (this.report.refused.length < MAX_REFUSALS_KEPT)
        this.report.refused.push({ from: sender, reason: message })
      return fail(code, message)
    }
    if (this.phase !== phase)
      return refuse('stale-round', `a ${phase} message arrived in phase "${this.phase}"`)
    if (!allowed.has(sender)) return refuse('not-selected', `client ${sender} is not live in phase ${phase}`)
    if (heard.has(sender))
      return refuse('duplicate-update', `client ${sender} already sent its ${phase} message`)
    const parsed = parse()
    if (!parsed.ok) return refuse(parsed.error.code, parsed.error.message)
    if (parsed.value.from !== sender) {
      return refuse('unauthorized', `a message from client ${sender} claims to be from ${parsed.value.from}`)
    }
    commit(parsed.value)
    return ok(undefined)
  }

  /** U_i for a phase that closes before masking: see `keepClientsWithLiveHolders`; removals are reported. */
  private prune(
    phase: ServerPhase,
    alive: ReadonlySet<ClientId>,
    holdersOf: (u: ClientId) => ClientId[],
  ): Set<ClientId> {
    const { threshold } = this.params
    const { kept, removed } = keepClientsWithLiveHolders(alive, holdersOf, threshold)
    for (const [u, live] of removed) {
      this.report.excluded.set(u, `${phase}: ${live} live holders of its shares; threshold t = ${threshold}`)
    }
    return kept
  }

  private noteDropped(
    phase: keyof RoundReport['dropped'],
    before: ReadonlySet<ClientId>,
    after: ReadonlySet<ClientId>,
  ) {
    this.report.dropped[phase].push(...[...before].filter((u) => !after.has(u)))
  }

  /** Abandons when fewer than t remain; `arrived` and `kept` differ when clients were excluded for thin holders. */
  private belowThreshold(
    phase: ServerPhase,
    arrived: number,
    kept: number,
    what: string,
  ): Result<never, Abandonment> | null {
    const { threshold } = this.params
    if (kept >= threshold) return null
    const excluded = arrived > kept ? `, ${arrived - kept} of them excluded for too few live holders` : ''
    return this.abandon(
      phase,
      `${arrived} of ${this.params.clientIds.length} clients ${what}${excluded}; ${kept} left, threshold t = ${threshold}`,
    )
  }

  private abandon(phase: ServerPhase, reason: string): Result<never, Abandonment> {
    const abandonment = { phase, reason: `abandoned in phase ${phase}: ${reason}` }
    this.sum?.fill(0) // no partial sum survives an abandoned round
    this.sum = null
    this.selfMaskSeedShares.clear()
    this.maskKeyShares.clear()
    this.report.abandoned = abandonment
    this.phase = 'abandoned'
    return { ok: false, error: abandonment }
  }

  private closeOutOfOrder(phase: ServerPhase): Result<never, Abandonment> {
    return {
      ok: false,
      error: { phase: this.phase, reason: `cannot close ${phase} in phase "${this.phase}"` },
    }
  }
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
