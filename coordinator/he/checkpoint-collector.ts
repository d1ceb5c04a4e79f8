import type { CheckpointUpload, CheckpointVerdictReport } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { ClientId } from '../../shared/rounds/state'

/** A checkpoint asked for: of which model, from which key holder, when. */
export interface CheckpointAsk {
  readonly round: number
  readonly version: string
  readonly holder: ClientId
  readonly at: number
}

/** How long a holder has to send the checkpoint (and verifiers to check it) before another is asked. */
export const CHECKPOINT_TIMEOUT_MS = 60_000

/** Other key holders that decrypt a checkpoint and compare it with their own model before it is taken. */
export const CHECKPOINT_VERIFIERS = 2

export type CheckpointVerdict =
  | {
      readonly kind: 'accept'
      readonly upload: CheckpointUpload
      readonly from: ClientId
      readonly verifiers: readonly ClientId[]
    }
  | { readonly kind: 'reject'; readonly from: ClientId; readonly reason: string }
  | { readonly kind: 'lapse'; readonly from: ClientId; readonly reason: string }

/**
 * Getting a trustworthy encrypted checkpoint without reading it. The coordinator checks what it can (the asked
 * holder, the model version, the ciphertexts' form: the caller); its content is checked by other key holders, which
 * decrypt the very ciphertexts uploaded and compare the weights with the model they hold at that version: the same
 * bits under BFV, within CKKS's error under CKKS, and the digest the uploader claims. A checkpoint is taken once
 * `min(2, holders - 1)` verifiers found it matching and none found otherwise; refused (its holder is not asked again)
 * once two found it wrong and none matching (one verifier alone is its word against the uploader's); a split, a lone
 * verifier's mismatch, or verifiers that no longer hold that version, let the ask lapse, and the next one goes to
 * another holder. So a checkpoint enters the replay only if at least two key holders (uploader and verifier) vouch for
 * what it decrypts to, and one lying verifier can delay compaction but not poison or block it for good. With a single
 * key holder there is nobody to ask: its checkpoint is taken on its word, like the key envelopes it seals.
 */
export class CheckpointCollector {
  #ask: CheckpointAsk | null = null
  #candidate: {
    upload: CheckpointUpload
    from: ClientId
    verifiers: ClientId[]
    /** Matching verdicts it needs, fixed when it arrives (a verifier leaving does not lower it). */
    needed: number
    outcomes: Map<ClientId, CheckpointVerdictReport>
  } | null = null

  constructor(
    /** Aggregates after which a new checkpoint is asked for. */
    readonly every: number,
  ) {}

  get asked(): CheckpointAsk | null {
    return this.#ask
  }

  /** Whether the holder asked already sent its checkpoint (one per ask). */
  get offered(): boolean {
    return this.#candidate !== null
  }

  /** Whether to ask for a checkpoint now, with `pending` aggregates after the last one. */
  due(pending: number, now: number): boolean {
    if (pending < this.every) return false
    return this.#ask === null || now - this.#ask.at > CHECKPOINT_TIMEOUT_MS
  }

  ask(request: CheckpointAsk): void {
    this.#ask = request
    this.#candidate = null
  }

  /**
   * The asked holder's upload (once per ask; the caller has checked its ciphertexts), and the holders asked to
   * verify it (`verifiers`, chosen by the caller among the other key holders).
   */
  offer(from: ClientId, upload: CheckpointUpload, verifiers: readonly ClientId[]): Result<null> {
    const ask = this.#ask
    if (!ask || ask.holder !== from) return fail('invalid-state', `${from} was not asked for a checkpoint`)
    if (this.#candidate) return fail('invalid-state', `${from} already sent the checkpoint it was asked for`)
    if (upload.version !== ask.version || upload.round !== ask.round) {
      return fail(
        'stale-round',
        `the checkpoint asked for is of model ${ask.version} (round ${ask.round}), not ${upload.version}`,
      )
    }
    const asked = verifiers.slice(0, CHECKPOINT_VERIFIERS)
    this.#candidate = { upload, from, verifiers: asked, needed: asked.length, outcomes: new Map() }
    return ok(null)
  }

  /** A verifier's finding on the candidate. */
  verdict(id: ClientId, report: CheckpointVerdictReport): Result<null> {
    const candidate = this.#candidate
    if (!candidate?.verifiers.includes(id)) {
      return fail('invalid-state', `${id} was not asked to verify a checkpoint`)
    }
    if (report.version !== candidate.upload.version) {
      return fail('stale-round', `the checkpoint to verify is of model ${candidate.upload.version}`)
    }
    if (candidate.outcomes.has(id)) return fail('invalid-state', `${id} already gave its verdict`)
    candidate.outcomes.set(id, report)
    return ok(null)
  }

  /** The decision on the candidate, once there is one; null while verifiers are still out. */
  settle(): CheckpointVerdict | null {
    const candidate = this.#candidate
    if (!candidate) return null
    const { verifiers, outcomes, from, upload, needed } = candidate
    const findings = [...outcomes.values()]
    const matches = findings.filter((f) => f.outcome === 'match').length
    const mismatches = findings.filter((f) => f.outcome === 'mismatch')
    let verdict: CheckpointVerdict | null = null
    if (needed === 0 || (matches >= needed && mismatches.length === 0)) {
      verdict = { kind: 'accept', upload, from, verifiers: [...outcomes.keys()] }
    } else if (mismatches.length >= CHECKPOINT_VERIFIERS && matches === 0) {
      verdict = {
        kind: 'reject',
        from,
        reason: `${mismatches.length} key holder(s) decrypted it and found ${mismatches.map((m) => m.reason ?? 'other weights').join('; ')}`,
      }
    } else if (outcomes.size === verifiers.length) {
      verdict = {
        kind: 'lapse',
        from,
        reason: `its verifiers disagreed or could not check it (${findings.map((f) => f.outcome).join(', ')})`,
      }
    }
    if (verdict) {
      this.#candidate = null
      this.#ask = null
    }
    return verdict
  }

  /** A tab left: an ask it was to answer lapses; a verifier that left no longer counts. */
  leave(id: ClientId): void {
    if (this.#ask?.holder === id) {
      this.#ask = null
      this.#candidate = null
      return
    }
    const candidate = this.#candidate
    if (candidate && !candidate.outcomes.has(id)) {
      candidate.verifiers = candidate.verifiers.filter((v) => v !== id)
    }
  }

  clear(): void {
    this.#ask = null
    this.#candidate = null
  }
}
